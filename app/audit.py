"""Audit log entries, written in the caller's transaction.

The acting user is the one given, else the one the entry point set with `act_as` (the web
sets the signed-in user for each request), so this module needs nothing of the web."""

from collections.abc import Sequence
from contextvars import ContextVar

from sqlalchemy import insert

from app import clock, tenancy
from app.extensions import db
from app.models import AuditEntry

_actor: ContextVar[int | None] = ContextVar("plomba_audit_actor", default=None)


def act_as(user_id: int | None):
    """Entries without an explicit user are this user's; returns a token for reset_actor."""
    return _actor.set(user_id)


def reset_actor(token) -> None:
    _actor.reset(token)


def _acting_user(user_id: int | None) -> int | None:
    return _actor.get() if user_id is None else user_id


def record(action: str, obj, detail: str = "", user_id: int | None = None) -> None:
    db.session.add(AuditEntry(at=clock.now(), user_id=_acting_user(user_id), action=action,
                              object_type=type(obj).__name__.lower(),
                              object_id=getattr(obj, "id", None), detail=detail[:2000]))


def record_many(action: str, model: type, ids: Sequence[int], detail: str = "",
                user_id: int | None = None) -> None:
    """One entry per id of `model`, in one multi-row INSERT: for set-based changes of many rows.
    A bulk INSERT skips the flush that stamps tenant_id, so it is set here."""
    if not ids:
        return
    tenant_id = tenancy.current_tenant_id()
    if tenant_id is None:
        raise tenancy.TenancyError("no tenant set for audit entries")
    at, user_id = clock.now(), _acting_user(user_id)
    db.session.execute(insert(AuditEntry), [
        {"tenant_id": tenant_id, "at": at, "user_id": user_id, "action": action,
         "object_type": model.__name__.lower(), "object_id": object_id, "detail": detail[:2000]}
        for object_id in ids
    ])
