from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TenantOwned, Timestamps


class SpecialKind(StrEnum):
    """Special services of the seed: they decide which RZS event an item becomes."""

    INSPECTION = "P"
    FISCALIZATION = "F"
    LIQUIDATION = "L"
    MEMORY_REPLACEMENT = "W"

    @property
    def label(self) -> str:
        return SPECIAL_KIND_LABELS[self.value]


SPECIAL_KIND_LABELS = {
    "P": "Przegląd ustawowy",
    "F": "Fiskalizacja",
    "L": "Likwidacja",
    "W": "Wymiana pamięci fiskalnej",
}

VAT_RATES = ("23", "8", "5", "0", "zw")


class Service(TenantOwned, Timestamps, db.Model):
    """A catalogue entry ("Kartoteki -> Usługi")."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    vat_rate: Mapped[str] = mapped_column(String(4), default="23")
    special_kind: Mapped[str | None] = mapped_column(String(1))
    # The default "Wpis do książki serwisowej": adding the service to an order sets its flag.
    service_book: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (Index("ix_service_tenant_name", "tenant_id", "name"),)

    @property
    def special_kind_label(self) -> str:
        return SPECIAL_KIND_LABELS.get(self.special_kind or "", "")

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"
