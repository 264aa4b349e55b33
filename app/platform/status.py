""""Stan systemu": the figures the people who run Plomba look at (issue 18), read once per
request for the operators' page and once per scrape for /metrics (app/health/metrics.py).

Two sources, read apart so that one failing leaves the other: the database (the last sweep,
the oldest transmission waiting, per company counts, job rows that failed) and Redis (rq's
queues, workers and failed registries). With Redis unreachable the database part is still
complete and `redis_error` says why the rest is missing.

Ages of rq's records (a worker's heartbeat, a failed job's end) are measured against the real
time: rq stamps them with the machine's clock, not with app.clock (which a test may shift).
Ages of database rows use app.clock, which stamped them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Worker
from rq.job import Job as RqJob
from sqlalchemy import func, select

from app import clock, heartbeats, tenancy
from app.extensions import db
from app.models import Job, Party, Tenant, Transmission
from app.models.job import JobStatus
from app.models.transmission import TransmissionStatus
from app.rzs import dispatch
from workers import QUEUE_NAMES, queue, web_connection

FAILED_WINDOW = timedelta(days=1)
FAILED_SHOWN = 20  # the newest failures listed on the page; the counts cover them all
FAILED_SCANNED = 500  # rq failed jobs fetched per queue, newest first
# A worker beats every few seconds while alive (its idle loop is 15 s, workers/__main__.py);
# a sweep runs every minute. Older than these, the page marks them as a problem.
WORKER_SILENT_AFTER = timedelta(seconds=90)
SWEEP_LATE_AFTER = timedelta(minutes=3)
# An event the sweeper sends waits at most the backoff's cap between attempts, plus a sweep.
PENDING_LATE_AFTER = timedelta(seconds=dispatch.BACKOFF_CAP) + timedelta(minutes=5)

QUEUE_LABELS = {"rzs": "Wysyłki do RZS", "mail": "Poczta", "reports": "Raporty",
                "default": "Pozostałe"}
WORKER_STATES = {"idle": "czeka na zadania", "busy": "wykonuje zadanie",
                 "started": "uruchamia się", "suspended": "wstrzymany"}
JOB_KINDS = {"report_export": "Eksport raportu", "report_email": "Raport e-mailem",
             "rzs_batch": "Wysyłka zleceń do RZS", "rzs_ping": "Test połączenia z RZS",
             "smtp_test": "Test poczty (SMTP)"}


@dataclass
class QueueDepth:
    name: str
    label: str
    queued: int
    scheduled: int
    started: int
    failed: int


@dataclass
class WorkerState:
    name: str
    state: str
    heartbeat: datetime | None
    age: timedelta | None
    job_id: str | None
    queues: list[str]

    @property
    def state_label(self) -> str:
        return WORKER_STATES.get(self.state, self.state)

    @property
    def silent(self) -> bool:
        return self.age is None or self.age > WORKER_SILENT_AFTER


@dataclass
class FailedJob:
    source: str  # "rq" (a queue's failed registry) or "job" (a job row of a tenant)
    what: str
    ended_at: datetime | None
    error: str
    tenant: str = ""


@dataclass
class TenantCounts:
    tenant_id: int
    name: str
    pending: int
    rejected: int


@dataclass
class OldestPending:
    created_at: datetime
    age: timedelta
    tenant: str

    @property
    def late(self) -> bool:
        return self.age > PENDING_LATE_AFTER


@dataclass
class Status:
    checked_at: datetime
    last_sweep_at: datetime | None = None
    last_sweep: dict = field(default_factory=dict)
    oldest_pending: OldestPending | None = None
    tenants: list[TenantCounts] = field(default_factory=list)
    failed_job_rows: list[FailedJob] = field(default_factory=list)
    redis_error: str = ""
    queues: list[QueueDepth] = field(default_factory=list)
    workers: list[WorkerState] = field(default_factory=list)
    failed_rq: list[FailedJob] = field(default_factory=list)

    @property
    def redis_ok(self) -> bool:
        return not self.redis_error

    @property
    def sweep_age(self) -> timedelta | None:
        return self.checked_at - self.last_sweep_at if self.last_sweep_at else None

    @property
    def sweep_late(self) -> bool:
        return self.sweep_age is None or self.sweep_age > SWEEP_LATE_AFTER

    @property
    def failed(self) -> list[FailedJob]:
        """Both kinds of failures of the last day, newest first, FAILED_SHOWN of them."""
        everything = self.failed_rq + self.failed_job_rows
        everything.sort(key=lambda f: f.ended_at or self.checked_at, reverse=True)
        return everything[:FAILED_SHOWN]


def read() -> Status:
    """Everything, the database first; Redis errors end up in `redis_error`."""
    status = Status(checked_at=clock.now())
    with tenancy.all_tenants():
        _read_database(status)
    try:
        _read_redis(status, web_connection())
    except (redis.RedisError, OSError) as exc:
        status.redis_error = str(exc) or exc.__class__.__name__
        status.queues, status.workers, status.failed_rq = [], [], []
    return status


def _read_database(status: Status) -> None:
    now = status.checked_at
    beat = heartbeats.last(heartbeats.RZS_SWEEP)
    if beat is not None:
        status.last_sweep_at, status.last_sweep = beat.beat_at, dict(beat.detail or {})

    # Rows the sweeper is responsible for (the sweep's own condition, app.rzs.dispatch.sweep):
    # an offline producer's rows never sent wait for "Wyślij zlecenia" by design, for days.
    oldest = db.session.execute(
        select(Transmission.created_at, Tenant.name)
        .join(Party, Party.id == Transmission.producer_id)
        .join(Tenant, Tenant.id == Transmission.tenant_id)
        .where(Transmission.status == TransmissionStatus.PENDING, Tenant.suspended_at.is_(None),
               (Transmission.attempts > 0) | Party.online.is_(True))
        .order_by(Transmission.created_at).limit(1)).first()
    if oldest is not None:
        status.oldest_pending = OldestPending(oldest[0], now - oldest[0], oldest[1])

    counts: dict[int, dict[str, int]] = {}
    for tenant_id, state, n in db.session.execute(
            select(Transmission.tenant_id, Transmission.status, func.count())
            .where(Transmission.status.in_([TransmissionStatus.PENDING,
                                            TransmissionStatus.REJECTED]))
            .group_by(Transmission.tenant_id, Transmission.status)):
        counts.setdefault(tenant_id, {})[state] = n
    names = dict(db.session.execute(select(Tenant.id, Tenant.name)).all())
    status.tenants = sorted(
        (TenantCounts(tid, names.get(tid, str(tid)), c.get("pending", 0), c.get("rejected", 0))
         for tid, c in counts.items()), key=lambda t: (-t.pending - t.rejected, t.name))

    rows = db.session.execute(
        select(Job, Tenant.name).join(Tenant, Tenant.id == Job.tenant_id)
        .where(Job.status == JobStatus.FAILED, Job.finished_at >= now - FAILED_WINDOW)
        .order_by(Job.finished_at.desc())).all()
    status.failed_job_rows = [
        FailedJob("job", JOB_KINDS.get(job.kind, job.kind), job.finished_at,
                  _last_line(job.error), tenant=name) for job, name in rows]
    db.session.commit()  # ends the read transaction: the page keeps no snapshot open


def _read_redis(status: Status, connection: redis.Redis) -> None:
    real_now = datetime.now(UTC)  # rq's clock; see the module's docstring
    for name in QUEUE_NAMES:
        q = queue(name, connection)
        failed_ids = q.failed_job_registry.get_job_ids()
        status.queues.append(QueueDepth(
            name, QUEUE_LABELS.get(name, name), q.count, q.scheduled_job_registry.count,
            q.started_job_registry.count, len(failed_ids)))
        status.failed_rq += _failed_rq(q, failed_ids, real_now)
    for worker in sorted(Worker.all(connection=connection), key=lambda w: w.name):
        beat = worker.last_heartbeat
        state = worker.get_state()
        state = str(getattr(state, "value", state))
        status.workers.append(WorkerState(
            worker.name, state, beat, real_now - beat if beat else None,
            worker.get_current_job_id(), worker.queue_names()))


def _failed_rq(q: Queue, ids: list[str], real_now: datetime) -> list[FailedJob]:
    # The registry scores by expiry, not by failure time: each job's own ended_at decides.
    out = []
    for job in RqJob.fetch_many(ids[-FAILED_SCANNED:], connection=q.connection):
        if job is None or job.ended_at is None or real_now - job.ended_at > FAILED_WINDOW:
            continue
        what = job.description or job.func_name or job.id
        out.append(FailedJob("rq", f"{QUEUE_LABELS.get(q.name, q.name)}: {what}", job.ended_at,
                             _last_line(_exc_info(job))))
    return out


def _exc_info(job: RqJob) -> str:
    try:
        result = job.latest_result()
    except Exception:  # noqa: BLE001 - an old or partial record: show what the job holds
        result = None
    return (getattr(result, "exc_string", None) or getattr(job, "exc_info", None) or "")


def _last_line(text: str | None) -> str:
    """The exception of a traceback (its last line), short enough for a table cell."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def duration(value: timedelta | None) -> str:
    """An age in Polish words: "45 s", "3 min 20 s", "2 godz. 5 min", "3 dni 4 godz."."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} {'dzień' if days == 1 else 'dni'} {hours} godz."
    if hours:
        return f"{hours} godz. {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"
