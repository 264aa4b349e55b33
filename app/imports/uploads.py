"""Uploaded files waiting to be imported: INSTANCE_DIR/imports/<tenant id>/<token>.<csv|xlsx>,
directories 0700 and files 0600 (a list of clients is personal data), with a small JSON note
beside each (the original name and the kind). The token is random and the directory is the
tenant's, so another tenant's token names no file. The import removes its file when it ends;
files left by abandoned uploads are removed after a day, at the tenant's next upload."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.imports.files import FileProblem, kind_of

KEEP_SECONDS = 86400  # compared with file modification times: real time, not app.clock
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
EMPTY_FILE = "Plik jest pusty."


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    file_kind: str  # "csv" or "xlsx"
    name: str  # as the user's computer named it


def _base() -> Path:
    from app.config import INSTANCE_DIR

    return Path(current_app.config.get("IMPORT_DIR") or INSTANCE_DIR / "imports")


def _private_dir(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # mkdir's mode is masked by the umask
    return directory


def tenant_dir(tenant_id: int) -> Path:
    _private_dir(_base())
    return _private_dir(_base() / str(int(tenant_id)))


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 before any byte is written: never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def save(tenant_id: int, name: str, stream, limit: int) -> Upload:
    """Store an uploaded file (read at most `limit` bytes); FileProblem when it is empty,
    too large or neither CSV nor XLSX."""
    data = stream.read(limit + 1)
    if not data:
        raise FileProblem(EMPTY_FILE)
    if len(data) > limit:
        raise FileProblem(too_large(limit))
    file_kind = kind_of(name, data[:8])
    directory = tenant_dir(tenant_id)
    _remove_stale(directory)
    token = secrets.token_hex(16)
    path = directory / f"{token}.{file_kind}"
    _write_private(path, data)
    _write_private(directory / f"{token}.json",
                   json.dumps({"name": Path(name or "").name[:200], "kind": file_kind}).encode())
    return Upload(token, path, file_kind, Path(name or "").name[:200])


def too_large(limit: int) -> str:
    return f"Plik jest za duży: najwyżej {limit // (1024 * 1024)} MB. Podziel go na mniejsze."


def find(tenant_id: int, token: str) -> Upload | None:
    """The tenant's upload with this token, or None (another tenant's, removed, malformed)."""
    if not TOKEN_RE.match(token or ""):
        return None
    directory = _base() / str(int(tenant_id))
    try:
        note = json.loads((directory / f"{token}.json").read_text())
    except (OSError, ValueError):
        return None
    path = directory / f"{token}.{note.get('kind')}"
    if note.get("kind") not in ("csv", "xlsx") or not path.is_file():
        return None
    return Upload(token, path, note["kind"], note.get("name", ""))


def remove(upload: Upload) -> None:
    upload.path.unlink(missing_ok=True)
    upload.path.with_suffix(".json").unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    # Compared with the files' modification times, which are real time: not the business
    # clock (app/clock.py), which tests set to another day.
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except FileNotFoundError:
            continue
