"""The platform's catalogue of producers: kept by the operators in /platform, read by every
company. Platform rows, like `operator`: no tenant_id and no row-level security."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.base import Timestamps, UTCDateTime

# What a company's producer takes from its catalogue entry (and may take over again when the
# entry changes); the company's own API login and key are not among them.
CATALOGUE_FIELDS = ("name", "nip", "street", "postal_code", "city", "factory_masks",
                    "unique_prefixes", "api_url", "online")


class CatalogueProducer(Timestamps, db.Model):
    """A producer of fiscal devices as the platform knows it; `version` grows with every
    change, so a company's copy can tell that the entry moved on since it was taken."""

    __tablename__ = "catalogue_producer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(10), unique=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    factory_masks: Mapped[list[str]] = mapped_column(JSON, default=list)
    unique_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    api_url: Mapped[str] = mapped_column(String(500), default="")
    online: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    revisions: Mapped[list["CatalogueRevision"]] = relationship(
        back_populates="entry", order_by="CatalogueRevision.version.desc()")

    def values(self) -> dict:
        return {name: getattr(self, name) for name in CATALOGUE_FIELDS}

    def __repr__(self) -> str:
        return f"<CatalogueProducer {self.id} {self.name!r} v{self.version}>"


class CatalogueRevision(db.Model):
    """Each version of an entry as saved, by whom and what changed: the operators' audit of
    the catalogue, and what a company's copy is compared with."""

    __tablename__ = "catalogue_producer_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("catalogue_producer.id", ondelete="CASCADE"))
    version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operator.id", ondelete="SET NULL"))
    # Kept as text too: the operator's account may be gone while the record stays.
    author: Mapped[str] = mapped_column(String(254), default="")
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    changes: Mapped[str] = mapped_column(String(2000), default="")

    entry: Mapped[CatalogueProducer] = relationship(back_populates="revisions")

    __table_args__ = (UniqueConstraint("entry_id", "version"),)
