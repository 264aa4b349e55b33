from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Timestamps, UTCDateTime


class Tenant(Timestamps, db.Model):
    """A service company ("firma serwisowa"): the unit of isolation."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(10), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # A suspended tenant's users cannot sign in and its jobs do not run; its data stays.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner's e-mail was confirmed (sign-up link or password-reset link); a company
    # still unconfirmed 7 days after sign-up expires (app/accounts/expiry.py).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The terms of service and the privacy notice accepted at sign-up (app/accounts/consent.py).
    terms_version: Mapped[str] = mapped_column(String(20), default="", server_default="")
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_version: Mapped[str] = mapped_column(String(20), default="", server_default="")
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The tenant's own SMTP server for reports; the platform's MAIL_* when host is empty.
    smtp_host: Mapped[str] = mapped_column(String(200), default="")
    smtp_port: Mapped[int | None]
    smtp_security: Mapped[str] = mapped_column(String(10), default="starttls")
    smtp_user: Mapped[str] = mapped_column(String(200), default="")
    smtp_password_encrypted: Mapped[str] = mapped_column(String(500), default="")
    smtp_sender: Mapped[str] = mapped_column(String(254), default="")

    # Reminders of the inspection to taxpayers (app/inspections/reminders.py): days before the
    # due date of the first and the optional second one; none sent while the first is empty.
    reminder_days_first: Mapped[int | None]
    reminder_days_second: Mapped[int | None]
    reminder_subject: Mapped[str] = mapped_column(String(200), default="")
    reminder_body: Mapped[str] = mapped_column(String(4000), default="")

    __table_args__ = (Index("ix_tenant_unconfirmed_created", "confirmed_at", "created_at"),)

    @property
    def active(self) -> bool:
        return self.suspended_at is None

    def __repr__(self) -> str:
        return f"<Tenant {self.id} {self.nip}>"
