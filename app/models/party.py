from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.models.base import TenantOwned, Timestamps, UTCDateTime
from app.textfold import fold


class Party(TenantOwned, Timestamps, db.Model):
    """A kontrahent: a client (taxpayer) or a producer of fiscal devices (the producer flag)."""

    __tablename__ = "party"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded (app/textfold.py: no case, no diacritics) for search and sorting.
    name_key: Mapped[str] = mapped_column(String(200), default="")
    nip: Mapped[str | None] = mapped_column(String(10))
    regon: Mapped[str] = mapped_column(String(14), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    reminder_consent: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(String(2000), default="")

    is_client: Mapped[bool] = mapped_column(default=True)
    is_producer: Mapped[bool] = mapped_column(default=False)

    # Producer: "Kontrola Nr-f." and the registry's API parameters.
    factory_masks: Mapped[list[str]] = mapped_column(JSON, default=list)
    unique_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    api_url: Mapped[str] = mapped_column(String(500), default="")
    api_login: Mapped[str] = mapped_column(String(200), default="")
    api_key_encrypted: Mapped[str] = mapped_column(String(500), default="")
    online: Mapped[bool] = mapped_column(default=True)
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_test_ok: Mapped[bool | None]
    last_test_message: Mapped[str] = mapped_column(String(500), default="")
    # The platform catalogue's entry this producer was taken from, and the entry's version
    # it last took over (app/parties/catalogue.py compares it with the entry's current one).
    catalogue_producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalogue_producer.id", ondelete="SET NULL"))
    catalogue_version: Mapped[int | None]

    locations: Mapped[list["Location"]] = relationship(
        back_populates="client", order_by="Location.id", foreign_keys="Location.client_id"
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "nip"),
        Index("ix_party_tenant_client_name", "tenant_id", "is_client", "name_key", "id"),
        Index("ix_party_tenant_producer_name", "tenant_id", "is_producer", "name_key", "id"),
        Index("ix_party_tenant_city", "tenant_id", "city"),
    )

    @validates("name")
    def _keep_name_key(self, _key, value):
        # The search key follows the name wherever it is set, so no code path can forget it.
        self.name_key = fold(value)
        return value

    @property
    def api_key_set(self) -> bool:
        return bool(self.api_key_encrypted)

    def __repr__(self) -> str:
        return f"<Party {self.id} {self.name!r}>"


class Location(TenantOwned, Timestamps, db.Model):
    """An installation site ("miejsce instalacji") of a client's devices."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")

    client: Mapped[Party] = relationship(back_populates="locations", foreign_keys=[client_id])

    __table_args__ = (
        Index("ix_location_tenant_client", "tenant_id", "client_id"),
        # The city filter's choices, a walk from one city to the next (migration 5c2e9b71d4a3).
        Index("ix_location_tenant_city", "tenant_id", "city"),
    )

    @property
    def address(self) -> str:
        return self.format_address(self.street, self.postal_code, self.city)

    @staticmethod
    def format_address(street: str, postal_code: str, city: str) -> str:
        """"Długa 2, 30-001 Kraków"; also for a site read as columns (the Przeglądy list)."""
        parts = [street, " ".join(p for p in (postal_code, city) if p)]
        return ", ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<Location {self.id} {self.address!r}>"
