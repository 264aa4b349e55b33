from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, Timestamps
from app.models.party import Location, Party


class DeviceKind(StrEnum):
    REGISTER = "register"
    PRINTER = "printer"

    @property
    def label(self) -> str:
        return {"register": "Kasa fiskalna", "printer": "Drukarka fiskalna"}[self.value]


class DeviceStatus(StrEnum):
    NEW = "new"
    FISCALIZED = "fiscalized"
    LIQUIDATED = "liquidated"

    @property
    def label(self) -> str:
        return {"new": "Nowe", "fiscalized": "Zafiskalizowane", "liquidated": "Zlikwidowane"}[
            self.value
        ]


# An active device with no inspection due date (ix_device_tenant_undated's condition).
_UNDATED = text("next_inspection_due IS NULL AND status <> 'liquidated'")


class Device(TenantOwned, Timestamps, db.Model):
    """A fiscal cash register or printer of a taxpayer."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=DeviceKind.REGISTER.value)
    model: Mapped[str] = mapped_column(String(100), default="")
    producer_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    factory_no: Mapped[str] = mapped_column(String(32))
    unique_no: Mapped[str] = mapped_column(String(13))
    registration_no: Mapped[str] = mapped_column(String(14), default="")
    client_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=DeviceStatus.NEW.value)
    fiscalized_on: Mapped[date | None]
    liquidated_on: Mapped[date | None]
    memory_replaced_on: Mapped[date | None]
    inspection_interval_months: Mapped[int] = mapped_column(default=24)
    # The site's city, or the client's seat without a site: app/devices/town.py keeps it.
    town: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_inspection_on: Mapped[date | None]
    # Derived from last_inspection_on and the interval, stored so "due soon" is an index scan.
    next_inspection_due: Mapped[date | None]

    producer: Mapped[Party] = relationship(foreign_keys=[producer_id])
    client: Mapped[Party] = relationship(foreign_keys=[client_id])
    location: Mapped[Location | None] = relationship()

    __table_args__ = (
        UniqueConstraint("tenant_id", "unique_no"),
        UniqueConstraint("tenant_id", "factory_no"),
        Index("ix_device_tenant_client", "tenant_id", "client_id"),
        Index("ix_device_tenant_producer", "tenant_id", "producer_id", "id"),
        # The list's two orders, newest first and by inspection due, are keyset walks on these.
        Index("ix_device_tenant_recent", "tenant_id", "id"),
        Index("ix_device_tenant_next_due", "tenant_id", "next_inspection_due", "id"),
        Index("ix_device_tenant_model", "tenant_id", "model"),
        # Przeglądy (migration 5c2e9b71d4a3): the producer filter's walk in the list's order,
        # and the count of active devices without a due date.
        Index("ix_device_tenant_producer_due", "tenant_id", "producer_id",
              "next_inspection_due", "id"),
        Index("ix_device_tenant_undated", "tenant_id", sqlite_where=_UNDATED,
              postgresql_where=_UNDATED),
        # The city filter's walk in the list's order (migration 9d4e2a7b1c60).
        Index("ix_device_tenant_town_due", "tenant_id", "town", "next_inspection_due", "id"),
    )

    @property
    def kind_label(self) -> str:
        return DeviceKind(self.kind).label

    @property
    def status_label(self) -> str:
        return DeviceStatus(self.status).label

    def __repr__(self) -> str:
        return f"<Device {self.id} {self.unique_no}>"
