"""Signed, expiring, single-use links sent by e-mail: password reset and e-mail confirmation.

A link carries the user's id and a fingerprint of what it changes (the password hash, or the
not-yet-confirmed state); once used, the fingerprint no longer matches, so it works once."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

RESET_MAX_AGE = 3600
CONFIRM_MAX_AGE = 7 * 86400


class TokenError(ValueError):
    """The link is expired, tampered with or already used; the message is for the user."""


class TokenExpired(TokenError):
    """The link was valid but is too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"plomba-{purpose}")


def _fingerprint(value: str) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def make(purpose: str, user_id: int, state: str) -> str:
    return _serializer(purpose).dumps({"u": user_id, "s": _fingerprint(state)})


def read(purpose: str, token: str, max_age: int) -> tuple[int, str]:
    """(user id, fingerprint) of a valid token; TokenError otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenExpired("Link wygasł. Poproś o nowy.") from None
    except BadSignature:
        raise TokenError("Link jest nieprawidłowy. Poproś o nowy.") from None
    return int(data["u"]), data["s"]


def matches(fingerprint: str, state: str) -> bool:
    return fingerprint == _fingerprint(state)
