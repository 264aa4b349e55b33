"""The last run of a periodic task of the platform (the RZS sweeper), kept in the database so
the operators' status page shows it when Redis is away or lost its data."""

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class Heartbeat(db.Model):
    """One row per task name, overwritten by each run. Platform-wide like `operator`: no
    tenant, no row-level security."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the run reported (the sweeper: rows rescued, orders enqueued, job rows requeued).
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<Heartbeat {self.name} {self.beat_at}>"
