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

import logging

from flask import current_app, request
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db, limiter
from app.models import User, UserSession

log = logging.getLogger(__name__)


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


# --- the current password on "Moje konto" ---------------------------------------------------
# Whoever finds a signed-in browser must not be able to guess its user's password there
# without limit: after PASSWORD_CHECK_RATE_LIMIT wrong ones (per user, in Redis like the
# sign-in limits) the form stops checking until the window has passed.

TOO_MANY_CURRENT_PASSWORDS = ("Zbyt wiele błędnych prób podania obecnego hasła. Hasła nie "
                              "sprawdzamy teraz: spróbuj ponownie za godzinę.")


def _current_password_limit():
    from limits import parse

    return parse(current_app.config["PASSWORD_CHECK_RATE_LIMIT"])


def may_check_current_password(user_id: int) -> bool:
    try:
        return limiter.limiter.test(_current_password_limit(), "current-password", str(user_id))
    except Exception:  # noqa: BLE001 - Redis away: the form works, as sign-in does
        log.warning("current-password limit unavailable", exc_info=True)
        return True


def wrong_current_password(user_id: int) -> None:
    try:
        limiter.limiter.hit(_current_password_limit(), "current-password", str(user_id))
    except Exception:  # noqa: BLE001
        log.warning("current-password limit unavailable", exc_info=True)
