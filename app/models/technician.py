from datetime import date

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TenantOwned, Timestamps
from app.models.party import Party
from app.models.user import User


class Technician(TenantOwned, Timestamps, db.Model):
    """A serwisant: the registry knows them by their seal number."""

    __tablename__ = "technician"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(20))
    seal_no: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    # The secret of his iCalendar feed (app/inspections/calendar.py); None: no feed.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User | None] = relationship()
    authorisations: Mapped[list["Authorisation"]] = relationship(
        back_populates="technician", cascade="all, delete-orphan", order_by="Authorisation.id"
    )

    __table_args__ = (
        UniqueConstraint("tenant_id", "identifier"),
        UniqueConstraint("tenant_id", "seal_no"),
        Index("ix_technician_tenant_name", "tenant_id", "name"),
    )

    def authorisation_for(self, producer_id: int) -> "Authorisation | None":
        """The latest-expiring authorisation for a producer, or None."""
        matching = [a for a in self.authorisations if a.producer_id == producer_id]
        return max(matching, key=lambda a: a.expires_on, default=None)

    def __repr__(self) -> str:
        return f"<Technician {self.id} {self.identifier}>"


class Authorisation(TenantOwned, db.Model):
    """Uprawnienia serwisanta: may work on a producer's devices until expires_on."""

    __tablename__ = "authorisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"))
    producer_id: Mapped[int] = mapped_column(ForeignKey("party.id", ondelete="RESTRICT"))
    device_kind: Mapped[str | None] = mapped_column(String(16))
    expires_on: Mapped[date]

    technician: Mapped[Technician] = relationship(back_populates="authorisations")
    producer: Mapped[Party] = relationship()

    __table_args__ = (Index("ix_authorisation_tenant_technician", "tenant_id", "technician_id"),)

    def valid_on(self, day: date) -> bool:
        return self.expires_on >= day
