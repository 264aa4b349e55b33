"""How sign-in guessing is slowed down without letting a stranger lock a user out.

Before, 20 attempts an hour per account locked the account from everywhere: anyone who knew
an e-mail address could keep its owner out all day. Now (issue 11, item 8), on /login:

1. per client address, every attempt: LOGIN_RATE_LIMIT (10 a minute), against one address
   trying many accounts;
2. per account *and* client address, wrong attempts only: LOGIN_ACCOUNT_RATE_LIMIT (20 an
   hour). The attacker's address is stopped; the owner, at another address, is not;
3. per account from every address, wrong attempts only: LOGIN_ACCOUNT_CEILING (100 an hour),
   against many addresses guessing one account. Addresses the account has signed in from
   (its session records, kept up to 30 days) are exempt, so even a distributed guess cannot
   keep the owner out of the usual office or home connection; only unfamiliar addresses wait.

Why not a progressive delay: a sleeping request ties up one of a few sync gunicorn workers,
which would make guessing a cheap denial of service. Why not a CAPTCHA: it needs a third
party (the CSP and "no CDN" rule out the usual ones).
"""

from flask import current_app, request
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import User, UserSession


def _email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def account_and_address() -> str:
    return f"login-account:{_email()}:{request.remote_addr or ''}"


def account() -> str:
    return f"login-account-any:{_email()}"


def failed(response) -> bool:
    """Only failures count: a sign-in that works redirects (303)."""
    return response.status_code != 303


def known_address() -> bool:
    """Whether the account of the posted e-mail has signed in from this client address."""
    email, address = _email(), request.remote_addr or ""
    if not email or not address:
        return False
    with tenancy.all_tenants():
        return db.session.scalar(
            select(UserSession.id).join(User, UserSession.user_id == User.id)
            .where(func.lower(User.email) == email, UserSession.ip == address[:45])
            .limit(1)) is not None


def per_address() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def per_account_and_address() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def per_account() -> str:
    return current_app.config["LOGIN_ACCOUNT_CEILING"]
