"""Audit log entries, written in the caller's transaction."""

from collections.abc import Sequence

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import insert

from app import clock, tenancy
from app.extensions import db
from app.models import AuditEntry, User


def _acting_user(user_id: int | None) -> int | None:
    if user_id is None and has_request_context() and current_user.is_authenticated:
        if isinstance(current_user._get_current_object(), User):
            return current_user.id
    return user_id


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
