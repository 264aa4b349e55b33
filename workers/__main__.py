"""The rq worker: `python -m workers [QUEUE ...] [--burst]`.

Creates the Flask app once for this process (`app.create_app()`, configured from the
environment like the web server: PLOMBA_ENV, DATABASE_URL, REDIS_URL, ...), pushes an app
context and works on every queue of `workers.QUEUE_NAMES` (`rzs` first) with rq's scheduler
(the sweeper's next run; retries of registry events wait in their rows, not in Redis). rq
forks a work horse per job; the horse inherits the app context, so a job function only sets its
tenant (`app.tenancy.use_tenant(tenant_id)`) and never creates an app itself. Run more of these
processes to scale out, under a restart policy: rq's worker quits when Redis goes away while a
job runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from time import monotonic

from rq import Worker

from workers import QUEUE_NAMES, queue, redis_connection

#: Every worker makes sure of the sweeper at least this often, idle or busy (issue 18): rq runs
#: its maintenance only between blocking dequeues, which by default last its worker TTL minus
#: 15 s (about 405 s), and not at all while a job runs.
MAINTAIN_EVERY = 15  # seconds; an idle loop is at most this long, a check at most twice it
EXPORTS_EVERY = 600  # seconds between sweeps of old export files (a directory scan)
# rq's registry clean-up (expired job records) keeps rq's own pace: at the maintenance pace it
# would only print five log lines every 15 s in `make run`.
REGISTRIES_EVERY = 600


class PlombaWorker(Worker):
    """rq's worker, plus: every MAINTAIN_EVERY seconds (idle, between jobs, and while a job
    runs) makes sure the RZS sweeper is scheduled, so it comes back by itself after a killed
    sweep or a Redis that lost its state; rq's own maintenance (registries, restarting a dead
    scheduler) keeps that pace too. Every ten minutes removes export files older than a day and
    the companies whose sign-up nobody confirmed within 7 days."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", MAINTAIN_EVERY)
        kwargs.setdefault("job_monitoring_interval", MAINTAIN_EVERY)
        super().__init__(*args, **kwargs)
        self._exports_swept_at: float | None = None
        self._registries_cleaned_at: float | None = None

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker wakes up this often to run its maintenance.
        return min(super().dequeue_timeout, MAINTAIN_EVERY)

    def clean_registries(self):
        # rq also reads last_cleaned_at (set by the first clean, at start) to know that the
        # scheduler check may run, which it then does every round.
        if (self._registries_cleaned_at is not None
                and monotonic() - self._registries_cleaned_at < REGISTRIES_EVERY):
            return
        self._registries_cleaned_at = monotonic()
        super().clean_registries()
        super().clean_group_registries()

    def clean_group_registries(self):
        pass  # done by clean_registries, at its pace

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        _ensure_sweeper(self.connection)
        _ensure_reminders(self.connection)
        if self._exports_swept_at is None or monotonic() - self._exports_swept_at >= EXPORTS_EVERY:
            self._exports_swept_at = monotonic()
            _sweep_exports()
            _expire_signups()

    def maintain_heartbeats(self, job, execution):
        # Runs in the worker process every job_monitoring_interval while its horse works.
        super().maintain_heartbeats(job, execution)
        _ensure_sweeper(self.connection)


def _sweep_exports() -> None:
    from workers.reports import sweep_exports

    try:
        sweep_exports()
    except Exception as exc:  # noqa: BLE001 - the worker keeps working; the next round retries
        logging.getLogger(__name__).warning("could not sweep the export files: %s", exc)


def _expire_signups() -> None:
    """Sign-ups unconfirmed for 7 days go, freeing their NIP and e-mail (app/accounts/expiry.py;
    idempotent, so several workers doing it at once only find less to delete)."""
    from app.accounts.expiry import expire_unconfirmed
    from app.extensions import db

    try:
        expired = expire_unconfirmed()
        if expired:
            logging.getLogger(__name__).info("expired %d unconfirmed sign-ups", expired)
    except Exception as exc:  # noqa: BLE001 - the worker keeps working; the next round retries
        db.session.rollback()
        logging.getLogger(__name__).warning("could not expire unconfirmed sign-ups: %s", exc)
    finally:
        db.session.remove()
        db.engine.dispose()  # the parent keeps no connection between rounds


def _ensure_sweeper(connection) -> None:
    from workers.rzs import ensure_sweeper

    try:
        ensure_sweeper(connection)
    except Exception as exc:  # noqa: BLE001 - the worker keeps working without a sweeper
        logging.getLogger(__name__).warning("could not schedule the RZS sweeper: %s", exc)


def _ensure_reminders(connection) -> None:
    from workers.reminders import ensure

    try:
        ensure(connection)
    except Exception as exc:  # noqa: BLE001 - the worker keeps working; the next round retries
        logging.getLogger(__name__).warning("could not schedule the reminders run: %s", exc)


def _sweep_soon(connection) -> None:
    """A worker that starts brings the next sweep forward to a few seconds from now: a start
    often follows a crash (a killed worker, a lost host), whose rows and jobs a sweep picks up,
    and should not wait for the rest of the minute."""
    from app import clock
    from workers.rzs import bring_forward

    try:
        bring_forward(clock.now(), connection)
    except Exception as exc:  # noqa: BLE001 - the minute's sweep comes all the same
        logging.getLogger(__name__).warning("could not bring the RZS sweep forward: %s", exc)


SECRETS_SAMPLE = 20


def secrets_key_problem() -> str:
    """The worker must decrypt what the web encrypted (producers' API keys, SMTP passwords).
    A worker started with another PLOMBA_SECRETS_KEY (in development: another instance folder,
    whose generated key differs) would send every event with a key it cannot read and reject
    it; so it refuses to start. A sample of the stored secrets, across tenants, is tried."""
    from sqlalchemy import inspect, select

    from app import secrets, tenancy
    from app.extensions import db
    from app.models import Party, Tenant

    if not inspect(db.engine).has_table("party"):
        return ""  # a database not migrated yet holds no secrets
    with tenancy.all_tenants():
        tokens = list(db.session.scalars(
            select(Party.api_key_encrypted).where(Party.api_key_encrypted != "")
            .order_by(Party.id.desc()).limit(SECRETS_SAMPLE)))
        tokens += list(db.session.scalars(
            select(Tenant.smtp_password_encrypted).where(Tenant.smtp_password_encrypted != "")
            .order_by(Tenant.id.desc()).limit(SECRETS_SAMPLE)))
        db.session.remove()
    bad = secrets.unreadable(tokens)
    if not bad:
        return ""
    return (f"{bad} of {len(tokens)} stored secrets cannot be decrypted with this "
            "PLOMBA_SECRETS_KEY: the web encrypted them with another key. Start the worker with "
            "the web's PLOMBA_SECRETS_KEY (in development: the same PLOMBA_INSTANCE_DIR).")


def _warm_for_horses() -> None:
    """What every work horse would otherwise load again after rq forks it for a job: the
    registry client's certificate authorities and httpx's transport, which it imports on its
    first client (together 80-100 ms of each RZS job, issue 13). No connection is made."""
    import httpcore  # noqa: F401  (imported here so that the horses inherit it)

    from app import clock, tenancy
    from app.extensions import db
    from app.rzs import batch, client

    client.tls_context()
    # SQLAlchemy analyses the tenant criterion's lambda (app/tenancy.py) for each entity the
    # first time a process compiles a statement over it, and keeps that per process: 120 ms of
    # every batch job's staging, paid again in each fresh horse. Planning a batch for a company
    # that does not exist (ids start at 1) compiles the same statements and finds nothing.
    try:
        with tenancy.use_tenant(0):
            batch.plan(0, clock.today(), clock.today())
    except Exception:  # a warm-up only: a worker that cannot do it still works, only slower
        logging.getLogger(__name__).warning("the warm-up before forking failed", exc_info=True)
    finally:
        db.session.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.split("\n")[0])
    parser.add_argument(
        "queues",
        nargs="*",
        metavar="QUEUE",
        help=f"queues to work on, in order (default: {' '.join(QUEUE_NAMES)})",
    )
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    parser.add_argument("--logging-level", default="INFO")
    args = parser.parse_args(argv)
    unknown = [n for n in args.queues if n not in QUEUE_NAMES]
    if unknown:
        parser.error(f"unknown queue(s): {', '.join(unknown)}; queues: {', '.join(QUEUE_NAMES)}")

    from app import create_app, heap
    from app.extensions import db

    app = create_app()
    with app.app_context():
        problem = secrets_key_problem()
        if problem:
            print(f"workers: {problem}", file=sys.stderr)
            return 2
        # The parent keeps no database connection for the forked horses to inherit; and since
        # its maintenance does use the database now and then (expired sign-ups), each horse
        # starts with a pool of its own (SQLAlchemy's recipe for a fork: the parent's sockets
        # are left to the parent, not closed). Two processes on one connection had PostgreSQL
        # see one session's prepared statements twice, and could mix their transactions.
        _warm_for_horses()
        db.engine.dispose()
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        # What the parent holds now (the app, the models, the warm caches) lives as long as
        # it does: settled (app/heap.py), a horse's collections no longer walk it (and copy
        # its pages): the first full collection in each horse was 0.1-0.2 s of a batch job.
        heap.settle()
        connection = redis_connection()
        names = args.queues or list(QUEUE_NAMES)
        worker = PlombaWorker([queue(n, connection) for n in names], connection=connection)
        if not args.burst:
            _ensure_sweeper(connection)
            _sweep_soon(connection)
        worker.work(burst=args.burst, with_scheduler=True, logging_level=args.logging_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
