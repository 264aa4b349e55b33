"""Jobs of the rzs queue: send an order's events, send an offline producer's batch, a
producer's connection test, send a producer's due rows, sweep.

Transient faults (connection, time-out, 5xx, 429) put the rows back to pending with a capped,
jittered backoff written into the row (`next_attempt_at`); rejections are final until the user
resends. No job schedules a retry of its own in Redis: the sweeper, every minute, finds the
producers with due rows and queues one `send_due` each (`rzs-producer-<tenant>-<producer>`),
which sends them in requests of up to 500 (why: docs/architecture.md, "Retries"). Every job is
safe to run twice: rows are claimed atomically and the registry recognises a resent event by
its id.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from time import perf_counter

from app import clock, heartbeats, logs, tenancy
from app.extensions import db
from app.models import Job, Party
from app.parties import service
from app.rzs import batch, dispatch
from workers import SUSPENDED, jobs, tenant_active
from workers.once import enqueue_once

SWEEP_EVERY = timedelta(minutes=1)
SWEEP_SOONEST = timedelta(seconds=5)  # a sweep brought forward to a row's due time
SWEEPER_ID = "rzs-sweeper"
SEND_DUE_TIMEOUT = 3600  # as a batch's: a producer's due rows may be thousands
log = logging.getLogger(__name__)


def send_order(tenant_id: int, order_id: int) -> dict:
    """The order's rows due now (a close, a resend). What fails waits in its row for the
    sweeper."""
    # Every log line of the send carries the order's number (app/logs.py).
    with tenancy.use_tenant(tenant_id), logs.order(order_id):
        if not tenant_active(tenant_id):
            return SUSPENDED
        result = dispatch.send_order(order_id)
        log.info("RZS send of the order done", extra={"result": result.__dict__})
        db.session.remove()
    return result.__dict__


def producer_job_id(tenant_id: int, producer_id: int) -> str:
    return f"rzs-producer-{tenant_id}-{producer_id}"


def send_due(tenant_id: int, producer_id: int) -> dict:
    """A producer's rows due now, in requests of up to 500 (queued by the sweeper)."""
    with tenancy.use_tenant(tenant_id):
        if not tenant_active(tenant_id):
            return SUSPENDED
        try:
            return dispatch.send_due(producer_id).__dict__
        finally:
            db.session.remove()


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
    """Every minute: rescue stuck rows, queue the due ones (one job per producer), give job
    rows the queue lost back to it. The next round is scheduled first, so a sweep killed
    midway (kill -9, a time-out) still leaves the chain going; the `finally` covers a first
    attempt that Redis refused."""
    ensure_sweeper_quietly()
    try:
        result = sweep_once()
        bring_forward(dispatch.next_wake())
        heartbeats.beat(heartbeats.RZS_SWEEP, result)  # the operators' "Stan systemu"
        return result
    finally:
        db.session.remove()
        ensure_sweeper_quietly()


def bring_forward(when: datetime | None, connection=None) -> bool:
    """Move the scheduled successor to `when` (at the soonest SWEEP_SOONEST from now) if that
    is earlier than it is: a retry due in 20 s is sent in 20 s, not at the next minute. Only
    an entry that exists is moved, and only earlier (Redis ZADD XX LT): a successor another
    process replaced, or one due sooner, is left alone."""
    from rq.registry import ScheduledJobRegistry
    from rq.utils import current_timestamp

    from workers import RZS, queue, redis_connection

    if when is None:
        return False
    wait = max(SWEEP_SOONEST.total_seconds(), (when - clock.now()).total_seconds())
    if wait >= SWEEP_EVERY.total_seconds():
        return False
    q = queue(RZS, connection or redis_connection())
    # rq's registry holds wall-clock timestamps; the wait is a duration, whatever app.clock says
    return bool(q.connection.zadd(ScheduledJobRegistry(queue=q).key,
                                  {SWEEPER_ID: current_timestamp() + wait}, xx=True, lt=True,
                                  ch=True))


def sweep_once(connection=None) -> dict:
    """One sweep's work, without the chain (the sweeper's body; tests call it directly)."""
    from workers import RZS, queue, redis_connection

    found = dispatch.sweep()
    db.session.remove()
    q = queue(RZS, connection or redis_connection())
    enqueued = sum(
        enqueue_once(q, producer_job_id(tenant_id, producer_id), "workers.rzs.send_due",
                     tenant_id, producer_id, job_timeout=SEND_DUE_TIMEOUT, result_ttl=3600,
                     failure_ttl=7 * 86400,
                     description=f"RZS due rows of producer {producer_id} of tenant {tenant_id}")
        for tenant_id, producer_id in found["producers"])
    return {"rescued": found["rescued"], "due_producers": len(found["producers"]),
            "enqueued": enqueued} | jobs.rescue()


def ensure_sweeper(connection=None, delay: float = 0) -> bool:
    """Make sure a sweep is coming under SWEEPER_ID: unless one is scheduled, queued or
    running already (workers.once asks rq's own registries), queue one. Every worker calls
    this at least every 30 s with no delay: no chain at all means a sweep was missed (a Redis
    that lost its data, a first start), so one runs now. A sweep calls it with SWEEP_EVERY to
    schedule its successor. True when this call enqueued it."""
    from workers import RZS, queue, redis_connection

    return enqueue_once(queue(RZS, connection or redis_connection()), SWEEPER_ID,
                        "workers.rzs.sweep", delay=delay, started_blocks=True,
                        job_timeout=300, result_ttl=600, failure_ttl=86400,
                        description="RZS sweeper")


def ensure_sweeper_quietly() -> None:
    """The sweep's own successor, SWEEP_EVERY from now."""
    try:
        ensure_sweeper(delay=SWEEP_EVERY.total_seconds())
    except Exception as exc:  # noqa: BLE001 - the workers' maintenance schedules it again
        log.warning("could not schedule the next RZS sweep: %s", exc)
