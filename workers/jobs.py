"""The one way into the queues: the web, the CLI and the jobs themselves enqueue through here.

- `start(job)`: a job row (app.jobs.new, committed) is put on its kind's queue by id. `run`
  is the one rq function behind it: it sets the tenant from the row, marks it running, calls
  the kind's handler and writes its progress, result or error into the row.
- `send_order(tenant_id, order_id)`: an online producer's events, after the commit that wrote
  them, one job per order at a time (`order_job_id`, workers.once). The domain
  (app.rzs.dispatch) records in the session which orders have rows to send; the after_commit
  hook below enqueues them, so the domain never imports the job layer.
- `send_message(recipients, subject, body)`: Plomba's own mail.

Every call gives up within seconds when Redis is away (workers.web_connection); what it would
have enqueued is still in the database: transmission rows wait for the sweeper, a job row is
marked failed and says so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app import clock, tenancy
from app.extensions import db
from app.models import Job, JobKind, JobStatus
from app.rzs import dispatch
from workers import MAIL, REPORTS, RZS, SUSPENDED, queue, tenant_active, web_connection
from workers.once import enqueue_once

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    queue: str
    handler: str  # module:function, called as handler(job, progress) -> result dict
    timeout: int


KINDS = {
    JobKind.REPORT_EXPORT: Kind(REPORTS, "workers.reports:export_report", 1800),
    JobKind.REPORT_EMAIL: Kind(MAIL, "workers.mail:send_report", 900),
    JobKind.RZS_BATCH: Kind(RZS, "workers.rzs:send_batch", 3600),
    JobKind.RZS_PING: Kind(RZS, "workers.rzs:test_connection", 120),
    JobKind.SMTP_TEST: Kind(MAIL, "workers.mail:send_test", 120),
    JobKind.IMPORT: Kind(REPORTS, "workers.imports:import_file", 1800),
}
SEND_ORDER_TIMEOUT = 300
NOT_QUEUED = "Kolejka zadań była niedostępna: zadanie nie zostało uruchomione."
# What a screen flashes when start() could not put the job on its queue.
QUEUE_AWAY = "Kolejka zadań jest chwilowo niedostępna. Spróbuj za chwilę."
FAILED = "Zadanie przerwane błędem."
SUSPENDED_MESSAGE = "Zadanie nie zostało wykonane: konto firmy było wtedy zawieszone."


class JobFailed(Exception):
    """A failure whose message the user reads on the job's screen (an SMTP refusal)."""


# --- enqueueing ----------------------------------------------------------------------------

def start(job: Job) -> bool:
    """Put a committed job row on its queue; False (and the row failed) when Redis is away."""
    kind = KINDS[JobKind(job.kind)]
    try:
        rq_job = queue(kind.queue, web_connection()).enqueue(
            run, job.id, job_timeout=kind.timeout, result_ttl=3600, failure_ttl=7 * 86400,
            description=f"{job.kind} {job.id}")
    except Exception as exc:  # noqa: BLE001 - any Redis failure: the row says it never ran
        log.warning("job %s not queued: %s", job.id, exc)
        job.status, job.error, job.finished_at = JobStatus.FAILED.value, NOT_QUEUED, clock.now()
        db.session.commit()
        return False
    job.rq_id = rq_job.id
    db.session.commit()
    return True


def order_job_id(tenant_id: int, order_id: int) -> str:
    """The one rq job id of an order's sending (a close, a resend): asked for twice, the order
    still waits in the queue once (workers.once). Retries are not jobs of their own: they wait
    in their rows for the sweeper, which sends a producer's due rows together (workers.rzs)."""
    return f"rzs-order-{tenant_id}-{order_id}"


def send_order(tenant_id: int, order_id: int) -> bool:
    """Put the order's sending on the rzs queue, unless its job is there already. With Redis
    away the rows simply stay pending and the sweeper sends them later: a failure here never
    undoes the closed order. False only when Redis could not be reached."""
    try:
        enqueue_once(queue(RZS, web_connection()), order_job_id(tenant_id, order_id),
                     "workers.rzs.send_order", tenant_id, order_id,
                     job_timeout=SEND_ORDER_TIMEOUT, result_ttl=3600, failure_ttl=7 * 86400,
                     description=f"RZS order {order_id} of tenant {tenant_id}")
        return True
    except Exception as exc:  # noqa: BLE001 - any Redis failure: the sweeper is the fallback
        log.warning("RZS enqueue of order %s failed, left pending: %s", order_id, exc)
        return False


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    for tenant_id, order_id in dispatch.take_orders_to_send(session):
        send_order(tenant_id, order_id)


def send_message(recipients: list[str], subject: str, body: str) -> bool:
    """Plomba's own mail (sign-up confirmation, password reset); False when the queue is away."""
    try:
        queue(MAIL, web_connection()).enqueue("workers.mail.send_message", recipients, subject,
                                              body, job_timeout=120, result_ttl=3600,
                                              failure_ttl=7 * 86400)
        return True
    except Exception as exc:  # noqa: BLE001 - any Redis failure; the user is told to retry
        log.warning("mail to %s not queued: %s", ", ".join(recipients), exc)
        return False


# --- rows the queue lost ------------------------------------------------------------------

# A queued row waits this long for a worker before the sweeper asks Redis whether it still
# holds the job; a running row is given its kind's time-out and this much more.
QUEUED_GRACE = timedelta(minutes=2)
RUNNING_GRACE = timedelta(minutes=5)
LOST = "Zadanie przerwane: proces roboczy zakończył się w trakcie. Uruchom je ponownie."


def rescue(now=None) -> dict[str, int]:
    """Across tenants, from the sweeper: a queued row whose queue entry Redis lost (a flush, a
    restart without its data) is queued again; a running row past its time-out, whose worker
    died without a word, is marked failed so that its screen stops waiting and offers a retry.
    Running it again blindly could repeat a half-sent mail; a retry is the user's choice."""
    from rq.job import Job as RqJob

    now = now or clock.now()
    requeued = lost = 0
    connection = web_connection()
    with tenancy.all_tenants():
        waiting = db.session.scalars(select(Job).where(
            Job.status == JobStatus.QUEUED.value, Job.created_at < now - QUEUED_GRACE)).all()
        for job in waiting:
            if job.rq_id and RqJob.exists(job.rq_id, connection=connection):
                continue
            with tenancy.use_tenant(job.tenant_id):
                requeued += start(job)
        running = db.session.scalars(select(Job).where(
            Job.status == JobStatus.RUNNING.value)).all()
        for job in running:
            limit = timedelta(seconds=KINDS[JobKind(job.kind)].timeout) + RUNNING_GRACE
            if job.started_at and job.started_at < now - limit:
                _end(job, JobStatus.FAILED, error=LOST)
                lost += 1
        db.session.commit()
    return {"requeued": requeued, "lost": lost}


# --- running -------------------------------------------------------------------------------

class Progress:
    """Writes a running job's progress into its row, in a transaction of its own: the job's
    own work may be uncommitted or streaming. At most every half second, and at the end."""

    EVERY = 0.5

    def __init__(self, job: Job):
        self.job_id = job.id
        self.done, self.total, self.message = 0, None, ""
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done
        self.total = total if total is not None else self.total
        if time.monotonic() - self._written >= self.EVERY or done == self.total:
            self._write()

    def note(self, message: str) -> None:
        self.message = message
        self._write()

    def _write(self) -> None:
        with Session(db.engine) as session:
            session.execute(update(Job).where(Job.id == self.job_id)
                            .values(done=self.done, total=self.total, message=self.message))
            session.commit()
        self._written = time.monotonic()


def run(job_id: int) -> dict:
    """The rq function of every job row. Safe to run twice: an ended job is not run again."""
    with tenancy.all_tenants():  # the row names its tenant; nothing else is read here
        tenant_id = db.session.scalar(select(Job.tenant_id).where(Job.id == job_id))
    if tenant_id is None:  # gone with its tenant
        return {"skipped": "no such job"}
    try:
        with tenancy.use_tenant(tenant_id):
            return _run(db.session.get(Job, job_id))
    finally:
        db.session.remove()


def _run(job: Job) -> dict:
    if job.ended:
        return job.result or {}
    if not tenant_active(job.tenant_id):
        _end(job, JobStatus.FAILED, error=SUSPENDED_MESSAGE)
        return SUSPENDED
    job.status, job.started_at, job.error = JobStatus.RUNNING.value, clock.now(), ""
    db.session.commit()
    module, name = KINDS[JobKind(job.kind)].handler.split(":")
    progress = Progress(job)
    try:
        result = getattr(import_module(module), name)(job, progress)
    except Exception as exc:  # rq's time-out included; re-raised so rq records the failure
        db.session.rollback()
        _end(db.session.get(Job, job.id), JobStatus.FAILED,
             error=str(exc) if isinstance(exc, JobFailed) else FAILED)
        raise
    _end(job, JobStatus.FINISHED, result=result, done=progress.done, total=progress.total)
    return result


def _end(job: Job, status: JobStatus, **values) -> None:
    """The final state; progress written beside this session is overwritten, never read."""
    job.status, job.finished_at, job.message = status.value, clock.now(), ""
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()
