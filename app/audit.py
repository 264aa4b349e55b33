"""Audit log entries, written in the caller's transaction."""

from flask import has_request_context
from flask_login import current_user

from app.extensions import db
from app.models import AuditEntry, User, utcnow


def record(action: str, obj, detail: str = "", user_id: int | None = None) -> None:
    if user_id is None and has_request_context() and current_user.is_authenticated:
        if isinstance(current_user._get_current_object(), User):
            user_id = current_user.id
    db.session.add(AuditEntry(at=utcnow(), user_id=user_id, action=action,
                              object_type=type(obj).__name__.lower(),
                              object_id=getattr(obj, "id", None), detail=detail[:2000]))
