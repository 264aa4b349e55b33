"""The one password rule, for every way a password is set (sign-up, reset, invitation, the
account page, the CLI, operators), and hashing with scrypt at the configured cost."""

import re
from collections.abc import Iterable

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 200
# What anyone guessing at a Polish service firm's account tries first; zxcvbn's own lists
# are English and would let "haslo12345" through.
_OBVIOUS = ("plomba", "haslo", "hasło", "polska", "serwis", "fiskal", "fiskalna", "kasa",
            "kasy", "drukarka", "firma", "admin", "witaj", "kochamcie")
TOO_EASY = ("Hasło jest zbyt łatwe do odgadnięcia (kolejne cyfry lub klawisze, popularne "
            "słowa, Twój e-mail albo nazwa firmy). Użyj kilku słów albo dłuższego ciągu znaków.")

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


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with another method or cost than the configured one:
    raising the cost must reach old accounts too, or timing tells them from new ones."""
    method = password_hash.split("$", 1)[0]
    return method != current_app.config["PASSWORD_HASH_METHOD"]


def weakness(password: str, email: str = "", names: Iterable[str] = ()) -> str | None:
    """Why a new password will not do, in words for the user, or None: at least 10 characters
    and zxcvbn's score 3 (about 10^8 guesses), counting the user's e-mail and names as known
    words."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"Hasło musi mieć od {MIN_LENGTH} do {MAX_LENGTH} znaków."
    if email and password.lower() == email.lower():
        return "Hasło nie może być adresem e-mail."
    # The e-mail and names as whole strings and word by word ("szef@gamma.pl", "szef",
    # "gamma"; "Serwis Gamma", "serwis", "gamma"): people build passwords from them.
    texts = [email, *names]
    known = [*texts, *(w for t in texts for w in re.split(r"[\W_]+", t.lower()) if len(w) > 2),
             *_OBVIOUS]
    # Imported here: its word lists take 14 MB, which workers and most requests never need.
    from zxcvbn import zxcvbn

    # zxcvbn's time grows with length; the first 64 characters decide it anyway.
    if zxcvbn(password[:64], user_inputs=[w for w in known if w])["score"] < 3:
        return TOO_EASY
    return None
