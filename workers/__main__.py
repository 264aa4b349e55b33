"""The rq worker: `python -m workers [QUEUE ...] [--burst]`.

Creates the Flask app once for this process (`app.create_app()`, configured from the
environment like the web server: PLOMBA_ENV, DATABASE_URL, REDIS_URL, ...), pushes an app
context and works on every queue of `workers.QUEUE_NAMES` (`rzs` first) with rq's scheduler
(scheduled jobs, retries with backoff). rq forks a work horse per job; the horse inherits the
app context, so a job function only sets its tenant (`app.tenancy.use_tenant(tenant_id)`) and
never creates an app itself. Run more of these processes to scale out.
"""

from __future__ import annotations

import argparse
import logging
import sys

from rq import Worker

from workers import QUEUE_NAMES, queue, redis_connection


class PlombaWorker(Worker):
    """rq's worker, plus, every maintenance round (each minute): makes sure the RZS sweeper is
    scheduled, so it comes back by itself after Redis lost its state, and removes export
    files older than a day."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        _ensure_sweeper(self.connection)
        _sweep_exports()


def _sweep_exports() -> None:
    from workers.reports import sweep_exports

    try:
        sweep_exports()
    except Exception as exc:  # noqa: BLE001 - the worker keeps working; the next round retries
        logging.getLogger(__name__).warning("could not sweep the export files: %s", exc)


def _ensure_sweeper(connection) -> None:
    from workers.rzs import ensure_sweeper

    try:
        ensure_sweeper(connection)
    except Exception as exc:  # noqa: BLE001 - the worker keeps working without a sweeper
        logging.getLogger(__name__).warning("could not schedule the RZS sweeper: %s", exc)


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

    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        # The parent keeps no database connection for the forked horses to inherit.
        db.engine.dispose()
        connection = redis_connection()
        names = args.queues or list(QUEUE_NAMES)
        worker = PlombaWorker([queue(n, connection) for n in names], connection=connection,
                              maintenance_interval=60)
        if not args.burst:
            _ensure_sweeper(connection)
        worker.work(burst=args.burst, with_scheduler=True, logging_level=args.logging_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
