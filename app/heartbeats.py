"""The last run of a periodic task, in the database (model: app.models.Heartbeat).

The RZS sweeper beats after each sweep; the operators' status page and the metrics read it.
A sweep missing for minutes is the first sign that the periodic work stopped (issue 18), and
the database still answers when Redis, which schedules the sweeps, does not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.extensions import db
from app.models import Heartbeat

RZS_SWEEP = "rzs-sweep"


def beat(name: str, detail: dict | None = None) -> None:
    """Record that `name` ran now, with what it reported; commits."""
    try:
        _write(name, detail)
    except IntegrityError:
        # Two first beats at once (two workers on an empty table): the other one inserted.
        db.session.rollback()
        _write(name, detail)


def _write(name: str, detail: dict | None) -> None:
    row = db.session.get(Heartbeat, name)
    if row is None:
        row = Heartbeat(name=name)
        db.session.add(row)
    row.beat_at = clock.now()
    row.detail = dict(detail or {})
    db.session.commit()


def last(name: str) -> Heartbeat | None:
    return db.session.scalar(select(Heartbeat).where(Heartbeat.name == name))
