"""Where an offline batch's time goes (issue 13): `dispatch.send_many` of N pending events run
in this process (no rq, no fork) against the real emulator on loopback, under cProfile, on
SQLite or a throwaway PostgreSQL cluster. Two profiles: the calling thread (claims, recording,
reply parsing) and the HTTP thread (body, request, wait for the reply). Exits 1 unless every
event was delivered.

    python -m bench.rzs_profile [--db sqlite|postgres] [--events 10000] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.rzs_send import ROOT, SEAL, closed_order, make_app, make_company, start_emulator


def insert_pending(app, ids, events: int, series: int) -> list[int]:
    from sqlalchemy import insert, select

    from app import clock, tenancy
    from app.extensions import db
    from app.models import Transmission
    from rzs_emulator.bench import make_events

    order_id = closed_order(app, ids, ids["device"], clock.today())
    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        now = datetime.now(UTC)
        rows = [{"tenant_id": ids["tenant"], "order_id": order_id, "producer_id": ids["producer"],
                 "event_id": e["id"], "kind": "PU", "status": "pending", "payload": e,
                 "attempts": 0, "created_at": now, "updated_at": now,
                 "reply_tokens": "", "reply_text": "", "meaning": "", "last_error": ""}
                for e in make_events(1_000_000 * series, events, seal=SEAL, tag=f"Q{series}-")]
        db.session.execute(insert(Transmission), rows)
        db.session.commit()
        found = list(db.session.scalars(select(Transmission.id).where(
            Transmission.order_id == order_id, Transmission.status == "pending")
            .order_by(Transmission.id)))
        db.session.remove()
    return found


def profiled_batch(app, ids, row_ids: list[int], whole_job: bool = False) -> tuple:
    """(seconds, the calling thread's profile, the HTTP thread's, statuses and counts)."""
    from sqlalchemy import event, func, select

    from app import tenancy
    from app.extensions import db
    from app.models import Transmission
    from app.rzs import dispatch

    http_profile = cProfile.Profile()
    lock = threading.Lock()
    transmit = dispatch.transmit

    def profiled_transmit(prepared):
        with lock:  # one HTTP thread; the lock only keeps the profiler honest
            http_profile.enable()
            try:
                return transmit(prepared)
            finally:
                http_profile.disable()

    main_profile = cProfile.Profile()
    dispatch.transmit = profiled_transmit
    statements = {"n": 0, "checkouts": 0}
    slowest: list[tuple[float, str]] = []
    started: list[float] = []

    def count(*_args):
        statements["n"] += 1
        started.append(time.perf_counter())

    def timed(_conn, _cursor, statement, *_args):
        slowest.append((time.perf_counter() - started.pop(), " ".join(statement.split())))

    def checkout(*_args):
        statements["checkouts"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", timed)
    event.listen(engine.pool, "checkout", checkout)
    try:
        with app.app_context(), tenancy.use_tenant(ids["tenant"]):
            began = time.perf_counter()
            main_profile.enable()
            if whole_job:  # the job's handler: staging the range, then send_many
                from types import SimpleNamespace

                from app import clock
                from workers import rzs

                today = clock.today().isoformat()
                job = SimpleNamespace(params={"producer_id": ids["producer"], "from": today,
                                              "to": today})
                done = rzs.send_batch(job, lambda *_a: None)
                result = dispatch.SendResult(delivered=done["delivered"])
            else:
                result = dispatch.send_many(ids["producer"], row_ids)
            main_profile.disable()
            seconds = time.perf_counter() - began
            counts = dict(db.session.execute(
                select(Transmission.status, func.count())
                .where(Transmission.id.in_(row_ids)).group_by(Transmission.status)).all())
            db.session.remove()
    finally:
        dispatch.transmit = transmit
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "after_cursor_execute", timed)
        event.remove(engine.pool, "checkout", checkout)
    counts["statements"], counts["checkouts"] = statements["n"], statements["checkouts"]
    counts["slowest"] = sorted(slowest, reverse=True)[:5]
    if counts.get("delivered", 0) != len(row_ids) or result.delivered != len(row_ids):
        raise SystemExit(f"{counts.get('delivered', 0)} of {len(row_ids)} delivered "
                         f"(statuses {counts}, result {result})")
    return seconds, main_profile, http_profile, counts


def explain_write(app, ids, row_ids: list[int]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of recording 500 outcomes on PostgreSQL, rolled back."""
    import json

    from app import clock, tenancy
    from app.extensions import db
    from app.rzs import dispatch

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        now = clock.now()
        chunk = row_ids[:500]
        document = json.dumps({str(i): {"id": i, "status": "delivered", "reply_tokens": "+PU",
                                        "reply_text": "x", "meaning": "m", "last_error": "",
                                        "next_attempt_at": None,
                                        "delivered_at": now.isoformat()} for i in chunk})
        connection = db.session.connection()
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + dispatch._WRITE_PG,
            (document, now, ids["tenant"], dispatch._id_array(chunk))).scalars().all()
        db.session.rollback()
        db.session.remove()
    return "\n".join(plan)


def top(profile: cProfile.Profile, n: int, sort: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(sort).print_stats(n)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    total = next(line for line in lines if "function calls" in line)
    return "\n".join([total.strip(), *lines[start:start + n + 1]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2, help="profiled batches; the last shown")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--job", action="store_true",
                        help="the whole job handler (workers.rzs.send_batch), staging included")
    parser.add_argument("--explain", action="store_true",
                        help="PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) of recording 500 outcomes")
    parser.add_argument("--app-role", action="store_true",
                        help="PostgreSQL as the application role (row-level security on)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.services import start_postgres, start_redis

    with tempfile.TemporaryDirectory(prefix="plomba-profile-") as tmp:
        directory = Path(tmp)
        directory.chmod(0o755)  # a PostgreSQL cluster below belongs to the postgres user
        emulator, url = start_emulator(directory)
        redis = start_redis(directory / "redis")
        postgres = None
        try:
            postgres = start_postgres(directory / "pg") if args.db == "postgres" else None
            db_url = postgres.url if postgres else f"sqlite:///{directory / 'plomba.db'}"
            (directory / "instance").mkdir()
            app = make_app(db_url, redis.url, directory / "instance")
            ids = make_company(app, f"{url}/bench")
            if args.app_role:
                from app import create_app
                from bench.latency import as_app_role

                app = create_app({**{k: app.config[k] for k in (
                    "REDIS_URL", "RZS_ALLOW_PRIVATE_HOSTS", "PLOMBA_SECRETS_KEY",
                    "SECRET_KEY")}, "SQLALCHEMY_DATABASE_URI": as_app_role(db_url)})
            # The first batch warms up (imports, connections, the emulator's caches).
            for series in range(1, args.runs + 1):
                row_ids = insert_pending(app, ids, args.events, series)
                seconds, main_profile, http_profile, counts = profiled_batch(
                    app, ids, row_ids, args.job)
                print(f"batch {series} ({args.db}): {counts.get('delivered')} of {len(row_ids)} "
                      f"delivered in {seconds:.2f} s under the profiler; {counts['statements']} "
                      f"statements, {counts['checkouts']} connection checkouts; "
                      f"load {os.getloadavg()[0]:.2f}; slowest statements:")
                for took, sql in counts["slowest"]:
                    print(f"  {1000 * took:8.1f} ms  {sql[:160]}")
            if args.explain and postgres is not None:
                print(explain_write(app, ids, row_ids))
        finally:
            redis.stop()
            if postgres is not None:
                postgres.stop()
            emulator.terminate()
            emulator.wait(timeout=10)
    print(f"\n--- the calling thread (claim, record, parse), by {args.sort} ---")
    print(top(main_profile, args.top, args.sort))
    print(f"\n--- the HTTP thread (body, request), by {args.sort} ---")
    print(top(http_profile, min(args.top, 12), args.sort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
