"""Password hashing with scrypt at the configured cost."""

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# Verified when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-password")
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
