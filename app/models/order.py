from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, Timestamps, UTCDateTime
from app.models.catalog import Service
from app.models.device import Device
from app.models.party import Location, Party
from app.models.technician import Technician


class OrderStatus(StrEnum):
    NEW = "new"
    STARTED = "started"
    CLOSED = "closed"
    SETTLED = "settled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return ORDER_STATUS_LABELS[self.value]


ORDER_STATUS_LABELS = {
    "new": "Nowe",
    "started": "Rozpoczęte",
    "closed": "Zamknięte",
    "settled": "Rozliczone",
    "cancelled": "Anulowane",
}
OPEN_STATUSES = (OrderStatus.NEW.value, OrderStatus.STARTED.value)
# Closed or settled: the work is done, the documentation exists (reports, the registry).
DONE_STATUSES = (OrderStatus.CLOSED.value, OrderStatus.SETTLED.value)


class OrderCounter(TenantOwned, db.Model):
    """The last order number given per tenant and year; numbers are never reused."""

    __tablename__ = "order_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last_seq: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "year"),)


class Order(TenantOwned, Timestamps, db.Model):
    """A service order ("zlecenie") for one fiscal device."""

    __tablename__ = "service_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.NEW.value)
    client_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="RESTRICT"))
    technician_id: Mapped[int | None] = mapped_column(
        ForeignKey("technician.id", ondelete="RESTRICT")
    )
    # The seal number as chosen on the order: the registry identifies the technician by it.
    seal_no: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(String(2000), default="")
    # The day the visit is planned for (the technician's calendar feed shows it).
    planned_on: Mapped[date | None]
    service_book: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement_doc_no: Mapped[str] = mapped_column(String(60), default="")
    settlement_date: Mapped[date | None]
    settlement_total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Optimistic locking: two users closing the same order at once, exactly one wins.
    version: Mapped[int] = mapped_column(default=1)

    client: Mapped[Party] = relationship(foreign_keys=[client_id])
    location: Mapped[Location | None] = relationship()
    device: Mapped[Device] = relationship()
    technician: Mapped[Technician | None] = relationship()
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    book: Mapped["OrderBook | None"] = relationship(
        back_populates="order", cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "year", "seq"),
        Index("ix_order_tenant_status_id", "tenant_id", "status", "id"),
        Index("ix_order_tenant_id_desc", "tenant_id", "id"),
        # Covering for the Przeglądy technician filter's probe (migration 5c2e9b71d4a3).
        Index("ix_order_tenant_device", "tenant_id", "device_id", "technician_id", "status"),
        Index("ix_order_tenant_client", "tenant_id", "client_id"),
        Index("ix_order_tenant_technician", "tenant_id", "technician_id", "id"),
        Index("ix_order_tenant_created", "tenant_id", "created_at"),
    )

    @property
    def status_label(self) -> str:
        return OrderStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Order {self.id} {self.number}>"


class OrderItem(TenantOwned, db.Model):
    """A position of the order: one service performed, with its execution date."""

    __tablename__ = "order_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_order.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="RESTRICT"))
    # Snapshots of the catalogue at the time of adding: later catalogue edits keep history.
    name: Mapped[str] = mapped_column(String(200))
    special_kind: Mapped[str | None] = mapped_column(String(1))
    service_book: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 3), default=Decimal("1"))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    vat_rate: Mapped[str] = mapped_column(String(4), default="23")
    performed_on: Mapped[date | None]

    order: Mapped[Order] = relationship(back_populates="items")
    service: Mapped[Service] = relationship()

    __table_args__ = (
        Index("ix_order_item_order", "order_id"),
        # With the order and the flag on PostgreSQL: the reports' counts read only the index.
        Index("ix_order_item_tenant_performed", "tenant_id", "performed_on",
              postgresql_include=["order_id", "service_book"]),
        Index("ix_order_item_tenant_service", "tenant_id", "service_id"),
    )

    @property
    def net_total(self) -> Decimal:
        return (self.quantity * self.price).quantize(Decimal("0.01"))


# The service book's texts (sent in event N as they are) and, with the date, all its fields.
BOOK_TEXT_FIELDS = ("fault", "work_done", "result", "seals_removed", "seals_applied",
                    "program_version", "parts", "old_memory_no", "new_memory_no")
BOOK_FIELDS = (*BOOK_TEXT_FIELDS, "next_inspection_on")


class OrderBook(TenantOwned, db.Model):
    """The order's "Książka" tab: what the device's service book records (sent with N)."""

    __tablename__ = "order_book"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("service_order.id", ondelete="CASCADE"), unique=True
    )
    fault: Mapped[str] = mapped_column(Text, default="")
    work_done: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    seals_removed: Mapped[str] = mapped_column(String(200), default="")
    seals_applied: Mapped[str] = mapped_column(String(200), default="")
    program_version: Mapped[str] = mapped_column(String(60), default="")
    parts: Mapped[str] = mapped_column(Text, default="")
    old_memory_no: Mapped[str] = mapped_column(String(60), default="")
    new_memory_no: Mapped[str] = mapped_column(String(60), default="")
    next_inspection_on: Mapped[date | None]

    order: Mapped[Order] = relationship(back_populates="book")
