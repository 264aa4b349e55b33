from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.base import TenantOwned, UTCDateTime
from app.models.user import User


class AuditEntry(TenantOwned, db.Model):
    """Who did what and when: state changes, flag changes, warnings kept for the record."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(2000), default="")

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_audit_entry_tenant_at", "tenant_id", "at"),
        Index("ix_audit_entry_tenant_object", "tenant_id", "object_type", "object_id"),
    )
