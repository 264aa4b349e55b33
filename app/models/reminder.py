from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.base import TenantOwned, UTCDateTime
from app.models.device import Device
from app.models.party import Party


class ReminderStatus(StrEnum):
    # Written by the daily run, not claimed yet.
    QUEUED = "queued"
    # Claimed by a run that is sending it now (or was killed while it did).
    SENDING = "sending"
    SENT = "sent"
    # The last attempt failed; tried again on a later day, up to the attempt limit.
    RETRY = "retry"
    # Failed for good (the attempts ran out, or the client withdrew consent meanwhile).
    FAILED = "failed"

    @property
    def label(self) -> str:
        return REMINDER_STATUS_LABELS[self.value]


REMINDER_STATUS_LABELS = {
    "queued": "Do wysłania",
    "sending": "Wysyłanie",
    "sent": "Wysłane",
    "retry": "Błąd, ponowienie jutro",
    "failed": "Nie wysłano",
}


class Reminder(TenantOwned, db.Model):
    """One reminder e-mail to a taxpayer: a device, its due date and the step (1st or 2nd).
    The unique constraint makes "exactly one per device, due date and step" the database's
    rule, whatever the schedulers, workers or Redis do."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="CASCADE"))
    due_on: Mapped[date]
    step: Mapped[int]
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The business day of the last attempt: a failed reminder is retried on a later day.
    attempted_on: Mapped[date | None]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    device: Mapped[Device] = relationship()
    client: Mapped[Party] = relationship()

    __table_args__ = (
        UniqueConstraint("tenant_id", "device_id", "due_on", "step"),
        Index("ix_reminder_tenant_status", "tenant_id", "status"),
        Index("ix_reminder_tenant_client", "tenant_id", "client_id", "id"),
    )

    @property
    def status_label(self) -> str:
        return ReminderStatus(self.status).label
