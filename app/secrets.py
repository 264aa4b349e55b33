"""Secrets stored in the database (producers' API keys, SMTP passwords), encrypted with Fernet
under PLOMBA_SECRETS_KEY. Several comma-separated keys allow rotation: the first encrypts."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in current_app.config["PLOMBA_SECRETS_KEY"].split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("stored secret cannot be decrypted with PLOMBA_SECRETS_KEY") from None


def unreadable(tokens) -> int:
    """How many of these stored secrets this process's PLOMBA_SECRETS_KEY cannot decrypt."""
    bad = 0
    for token in tokens:
        try:
            decrypt(token)
        except ValueError:
            bad += 1
    return bad
