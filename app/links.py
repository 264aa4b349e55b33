"""Links that leave Plomba in an e-mail (password reset, invitation, e-mail confirmation).

They are built from the configured PUBLIC_BASE_URL, never from the request: the Host (or a
forwarded host) of a request is whatever its sender typed, and a reset link on a stranger's
host hands that stranger the token. The same function works in a job, where there is no
request at all."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` (its full name, "auth.reset_password") on
    PUBLIC_BASE_URL, with `values` as its arguments and query."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
