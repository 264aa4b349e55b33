"""Jobs of the rzs queue: send an order's events, send an offline producer's batch, a
producer's connection test, sweep.

Transient faults (connection, time-out, 5xx, 429) put the rows back to pending with a capped,
jittered backoff and the job schedules its own retry on rq's scheduler; rejections are final
until the user resends. Every job is safe to run twice: rows are claimed atomically and the
registry recognises a resent event by its id.
"""

from __future__ import annotations

from datetime import date, timedelta
from time import perf_counter

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.formatting import day_range
from app.models import Job, Order, Party, Transmission
from app.parties import service
from app.rzs import dispatch
from workers import SUSPENDED, jobs, tenant_active

SWEEP_EVERY = timedelta(minutes=1)
SWEEPER_KEY = "plomba:rzs:sweeper-scheduled"


def send_order(tenant_id: int, order_id: int) -> dict:
    with tenancy.use_tenant(tenant_id):
        if not tenant_active(tenant_id):
            return SUSPENDED
        result = dispatch.send_order(order_id)
        # Rows that wait for a retry (this run's faults, or a run that came a little early:
        # the scheduler's clock is in whole seconds) get the next run scheduled now.
        retry_in = dispatch.next_retry_in(order_id)
        db.session.remove()
    if retry_in is not None:
        jobs.send_order(tenant_id, order_id, delay=retry_in + 0.5)
    return result.__dict__


def test_connection(job: Job, progress) -> dict:
    """The handler of a rzs_ping row: "Test połączenia" of a producer. A failed ping is a
    finished job whose result says why (it is kept on the producer too)."""
    producer = db.session.get(Party, job.params["producer_id"])
    if producer is None:
        raise jobs.JobFailed("Producent został usunięty.")
    progress.note("Łączenie z RZS producenta…")
    ok, message = service.test_connection(producer, user_id=job.created_by_id)
    return {"ok": ok, "message": message}


def batch_row_ids(producer_id: int, day_from: date, day_to: date) -> list[int]:
    """Pending events of the producer's orders closed in the range (Polish dates)."""
    start, end = day_range(day_from, day_to)
    return list(db.session.scalars(
        select(Transmission.id).join(Order, Order.id == Transmission.order_id)
        .where(Transmission.producer_id == producer_id,
               Transmission.status == dispatch.PENDING,
               Order.closed_at >= start, Order.closed_at < end)
        .order_by(Transmission.id)))


def send_batch(job: Job, progress) -> dict:
    """"Wyślij zlecenia" (a job row's handler, see workers.jobs): every waiting event of the
    producer in the range, 500 a request, with the registry's summary counters at the end."""
    started = perf_counter()
    params = job.params
    ids = batch_row_ids(params["producer_id"], date.fromisoformat(params["from"]),
                        date.fromisoformat(params["to"]))
    progress(0, len(ids))
    total = dispatch.send_many(params["producer_id"], ids,
                               progress=lambda done, _result: progress(done, len(ids)))
    return total.__dict__ | {"total": len(ids), "seconds": round(perf_counter() - started, 3)}


def sweep() -> dict:
    """Every minute on rq's scheduler: rescue stuck rows, re-enqueue due ones, give job rows
    the queue lost back to it, reschedule."""
    try:
        result = dispatch.sweep()
        db.session.remove()
        return result | jobs.rescue()
    finally:
        db.session.remove()
        ensure_sweeper(force=True)


def ensure_sweeper(connection=None, force: bool = False) -> bool:
    """Schedule the next sweep unless one is scheduled already (a Redis key marks it, so many
    workers schedule one sweep, and a Redis restart that lost it gets a new one)."""
    from workers import RZS, queue, redis_connection

    connection = connection or redis_connection()
    if force:
        connection.delete(SWEEPER_KEY)
    if not connection.set(SWEEPER_KEY, "1", nx=True,
                          ex=int(SWEEP_EVERY.total_seconds() * 2)):
        return False
    queue(RZS, connection).enqueue_in(SWEEP_EVERY, "workers.rzs.sweep", job_timeout=300,
                                      result_ttl=600, failure_ttl=86400,
                                      description="RZS sweeper")
    return True
