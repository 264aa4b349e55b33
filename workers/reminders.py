"""The daily pass of inspection reminders (app/inspections/reminders.py), on the mail queue.

It runs every hour under the fixed rq id REMINDERS_ID, made sure of by every worker's
maintenance (workers/__main__.py) and by each run, like the RZS sweeper: a killed run, a dead
rq scheduler or a Redis that lost its data only delays it. What it sends depends on the day
and on the `reminder` rows alone (their unique constraint and the claim before sending), so
running hourly, twice at once or again after a crash sends each reminder once; the hour's
pace only bounds how late in the day a reminder may go and lets a run killed in the morning
finish its day."""

from __future__ import annotations

import logging
from datetime import timedelta
from time import perf_counter

from app.extensions import db
from app.inspections import reminders
from workers.once import enqueue_once

REMINDERS_ID = "inspection-reminders"
RUN_EVERY = timedelta(hours=1)
log = logging.getLogger(__name__)


def run() -> dict:
    """Plan and send the day's reminders of every company; the next run is scheduled first."""
    ensure_quietly()
    started = perf_counter()
    try:
        outcome = reminders.run_all()
    finally:
        db.session.remove()
    log.info("reminders: %s sent, %s to retry, %s failed", outcome.sent, outcome.retry,
             outcome.failed)
    return {"planned": outcome.planned, "sent": outcome.sent, "retry": outcome.retry,
            "failed": outcome.failed, "tenants": outcome.tenants,
            "seconds": round(perf_counter() - started, 3)}


def ensure(connection=None, delay: float | None = None) -> bool:
    """Schedule the next run under REMINDERS_ID unless one is scheduled, queued or running."""
    from workers import MAIL, queue, redis_connection

    return enqueue_once(queue(MAIL, connection or redis_connection()), REMINDERS_ID,
                        "workers.reminders.run",
                        delay=RUN_EVERY.total_seconds() if delay is None else delay,
                        started_blocks=True, job_timeout=3600, result_ttl=86400,
                        failure_ttl=86400, description="inspection reminders")


def ensure_quietly() -> None:
    try:
        ensure()
    except Exception as exc:  # noqa: BLE001 - the workers' maintenance schedules it again
        log.warning("could not schedule the next reminders run: %s", exc)
