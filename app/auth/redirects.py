"""The one guard for every `next` in the project: where to go after signing in, back to the
new order after adding a device. An open redirect would make Plomba's own links a phishing
tool, so only a path on this site passes."""

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would take them to evil.example: any control
    character, whitespace or backslash refuses the target, as does anything but one leading
    slash."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None
