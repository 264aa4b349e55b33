"""Invitations of users by the owner: the link sets the first password and is valid for
INVITATION_VALID (itsdangerous' age, app/auth/tokens.py). A user is "zaproszony" until the link
is used; sending the invitation again makes the earlier links stop working."""

import secrets
from datetime import timedelta

from app import audit, clock
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import User

INVITATION_VALID = timedelta(days=7)


class NotInvited(ValueError):
    """The user has accepted the invitation already (or was never invited)."""


def renew(user: User, actor_id: int | None = None) -> None:
    """A fresh invitation: a new unusable password (the link's fingerprint, so older links are
    spent) and a new date; audited and committed. The caller mails the new link."""
    if user.invited_at is None:
        raise NotInvited(f"{user.email} przyjął(-ęła) już zaproszenie.")
    user.password_hash = hash_password(secrets.token_urlsafe(24))
    user.invited_at = clock.now()
    audit.record("user.reinvited", user, user.email, user_id=actor_id)
    db.session.commit()
