"""What a link opened from the user's own mailbox proves: the address is the user's. The
sign-up's confirmation link, a password-reset link and an invitation's link all prove it, so
each confirms the address (and the company, for its owner) and ends a pending invitation."""

from app import clock
from app.extensions import db
from app.models import Role, Tenant, User


def confirm_address(user: User) -> None:
    """In the caller's transaction: the user's e-mail is confirmed; an owner's company with it.
    No-op for what is confirmed already."""
    now = clock.now()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    user.invited_at = None
    if user.role == Role.OWNER.value:
        tenant = db.session.get(Tenant, user.tenant_id)
        if tenant is not None and tenant.confirmed_at is None:
            tenant.confirmed_at = now
