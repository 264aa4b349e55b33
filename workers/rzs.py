"""Jobs of the rzs queue: send an order's events, send an offline producer's batch, a
producer's connection test, sweep.

Transient faults (connection, time-out, 5xx, 429) put the rows back to pending with a capped,
jittered backoff and the job schedules its own retry on rq's scheduler; rejections are final
until the user resends. Every job is safe to run twice: rows are claimed atomically and the
registry recognises a resent event by its id.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from time import perf_counter

from app import heartbeats, logs, tenancy
from app.extensions import db
from app.models import Job, Party
from app.parties import service
from app.rzs import batch, dispatch
from workers import SUSPENDED, jobs, tenant_active
from workers.once import enqueue_once

SWEEP_EVERY = timedelta(minutes=1)
SWEEPER_ID = "rzs-sweeper"
log = logging.getLogger(__name__)


def send_order(tenant_id: int, order_id: int) -> dict:
    # Every log line of the send carries the order's number (app/logs.py).
    with tenancy.use_tenant(tenant_id), logs.order(order_id):
        if not tenant_active(tenant_id):
            return SUSPENDED
        result = dispatch.send_order(order_id)
        log.info("RZS send of the order done", extra={"result": result.__dict__})
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


def send_batch(job: Job, progress) -> dict:
    """"Wyślij zlecenia" (a job row's handler, see workers.jobs): the events of every flagged
    order of the producer closed in the range that are not delivered yet (app.rzs.batch), 500
    a request, with the registry's summary counters at the end."""
    started = perf_counter()
    params = job.params
    ids, held = batch.stage_range(params["producer_id"], date.fromisoformat(params["from"]),
                                  date.fromisoformat(params["to"]))
    db.session.commit()
    progress(0, len(ids))
    total = dispatch.send_many(params["producer_id"], ids,
                               progress=lambda done, _result: progress(done, len(ids)))
    total.held += held
    return total.__dict__ | {"total": len(ids), "seconds": round(perf_counter() - started, 3)}


def sweep() -> dict:
    """Every minute: rescue stuck rows, re-enqueue due ones, give job rows the queue lost back
    to it. The next round is scheduled first, so a sweep killed midway (kill -9, a time-out)
    still leaves the chain going; the `finally` covers a first attempt that Redis refused."""
    ensure_sweeper_quietly()
    try:
        result = dispatch.sweep()
        db.session.remove()
        result |= jobs.rescue()
        heartbeats.beat(heartbeats.RZS_SWEEP, result)  # the operators' "Stan systemu"
        return result
    finally:
        db.session.remove()
        ensure_sweeper_quietly()


def ensure_sweeper(connection=None) -> bool:
    """Schedule the next sweep under SWEEPER_ID unless one is scheduled, queued or running
    already (workers.once asks rq's own registries). Called by every worker at least every
    30 s and by each sweep, so one chain exists, and a Redis that lost its data gets a new one.
    True when this call scheduled it."""
    from workers import RZS, queue, redis_connection

    return enqueue_once(queue(RZS, connection or redis_connection()), SWEEPER_ID,
                        "workers.rzs.sweep", delay=SWEEP_EVERY.total_seconds(), started_blocks=True,
                        job_timeout=300, result_ttl=600, failure_ttl=86400,
                        description="RZS sweeper")


def ensure_sweeper_quietly() -> None:
    try:
        ensure_sweeper()
    except Exception as exc:  # noqa: BLE001 - the workers' maintenance schedules it again
        log.warning("could not schedule the next RZS sweep: %s", exc)
