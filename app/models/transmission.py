from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, Timestamps, UTCDateTime
from app.models.order import Order
from app.models.party import Party


class TransmissionStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    VOID = "void"
    # Failed the pre-flight check (app.rzs.preflight): not sent until the data is corrected.
    HELD = "held"

    @property
    def label(self) -> str:
        return TRANSMISSION_STATUS_LABELS[self.value]


TRANSMISSION_STATUS_LABELS = {
    "pending": "Oczekuje",
    "sending": "Wysyłanie",
    "delivered": "Dostarczone",
    "rejected": "Odrzucone",
    "unknown": "Nieznana odpowiedź",
    "void": "Unieważnione",
    "held": "Do poprawy",
}


class Transmission(TenantOwned, Timestamps, db.Model):
    """One RZS event of an order: the outbox row, written with the order's state change."""

    __tablename__ = "transmission"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_order.id", ondelete="CASCADE"))
    producer_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    # Stable across resends: the registry recognises a resend by it.
    event_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=TransmissionStatus.PENDING.value)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    reply_tokens: Mapped[str] = mapped_column(String(500), default="")
    reply_text: Mapped[str] = mapped_column(Text, default="")
    meaning: Mapped[str] = mapped_column(String(1000), default="")
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    producer: Mapped[Party] = relationship()

    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id"),
        Index("ix_transmission_tenant_status", "tenant_id", "status", "producer_id"),
        Index("ix_transmission_order", "order_id"),
        # The sweeper looks across tenants for rows left pending.
        Index("ix_transmission_status_next", "status", "next_attempt_at"),
    )

    @property
    def status_label(self) -> str:
        return TransmissionStatus(self.status).label
