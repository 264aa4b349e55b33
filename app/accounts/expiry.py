"""Unconfirmed companies expire: a sign-up whose owner has not opened the confirmation link
(nor a password-reset link) within CONFIRM_WITHIN is deleted with everything it holds, so its
NIP and e-mail are free again. Run at sign-up for the NIP and e-mail being registered (the
person signing up is not told "taken" by a stale sign-up) and periodically by the worker
(workers/__main__.py) for the rest. Idempotent: a second run finds nothing."""

from datetime import timedelta

from sqlalchemy import delete, func, or_, select

from app import clock, tenancy
from app.extensions import db
from app.models import Tenant, User

CONFIRM_WITHIN = timedelta(days=7)


def expire_unconfirmed(*, nip: str | None = None, email: str | None = None) -> int:
    """Delete the companies unconfirmed for longer than CONFIRM_WITHIN (only those holding
    `nip` or `email` when either is given); commits; returns how many went."""
    cutoff = clock.now() - CONFIRM_WITHIN
    stmt = select(Tenant.id).where(Tenant.confirmed_at.is_(None), Tenant.created_at < cutoff)
    if nip is not None or email is not None:
        holders = []
        if nip is not None:
            holders.append(Tenant.nip == nip)
        if email is not None:
            holders.append(Tenant.id.in_(select(User.tenant_id).where(
                func.lower(User.email) == email.strip().lower())))
        stmt = stmt.where(or_(*holders))
    with tenancy.all_tenants():
        expired = list(db.session.scalars(stmt))
    for tenant_id in expired:
        _delete_tenant(tenant_id)
    db.session.commit()
    return len(expired)


def _delete_tenant(tenant_id: int) -> None:
    """Every row of the tenant, children before parents, then the tenant itself. An
    unconfirmed company never signed in, so this is its owner, its starter catalogue and the
    audit entries of its creation; the table walk keeps it complete whatever else appears."""
    with tenancy.use_tenant(tenant_id):
        for table in reversed(db.Model.metadata.sorted_tables):
            if "tenant_id" in table.c:
                db.session.execute(delete(table).where(table.c.tenant_id == tenant_id))
        db.session.execute(delete(Tenant.__table__).where(Tenant.__table__.c.id == tenant_id))
