"""rq workers sending offline batches of several companies at once (issue 17), against the
real emulator on loopback, on PostgreSQL as the application role (row-level security on):

1. the emulator's own capacity: a bare httpx client, one request of 500 new events after
   another (as bench.rzs_send);
2. for 1, 2 and 4 workers (`python -m workers rzs` processes): --companies service
   companies, each with --events pending events of its offline producer, press "Wyślij
   zlecenia" at the same moment (one rq job each, all enqueued together); timed from the
   first enqueue to the last job finished; events per second against the capacity.

Every event must be delivered: counted in Plomba's database (per company) and in the
emulator's store (events stored in the run, none twice). Exits 1 otherwise.

    python -m bench.rzs_workers [--companies 4] [--events 2500] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.rzs_send import (
    KEY,
    LOGIN,
    PRODUCER_NIP,
    ROOT,
    SEAL,
    SERVICE_NIP,
    closed_order,
    make_app,
    make_company,
    new_device,
    wait_idle,
)

WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def company_nips(count: int) -> list[str]:
    """The bench's own company first (the emulator's bench credentials), then valid NIPs."""
    found, n = [SERVICE_NIP], 0
    while len(found) < count:
        n += 1
        first9 = f"526{n:06d}"
        check = sum(int(d) * w for d, w in zip(first9, WEIGHTS, strict=True)) % 11
        if check != 10:
            found.append(first9 + str(check))
    return found


def start_registry(directory: Path, nips: list[str]) -> tuple[subprocess.Popen, str]:
    from rzs_emulator.bench import BENCH_CONFIG

    [producer] = BENCH_CONFIG["producers"]
    companies = [{"nip": nip, "name": f"Serwis {i}", "login": LOGIN if i == 0 else f"bench{i}",
                  "key": KEY if i == 0 else f"bench-key-{i}", "seals": [SEAL]}
                 for i, nip in enumerate(nips)]
    config = directory / "config.json"
    config.write_text(json.dumps({"producers": [{**producer, "service_companies": companies}]}))
    process = subprocess.Popen(
        [sys.executable, "-m", "rzs_emulator", "--port", "0", "--data", str(directory / "rzs"),
         "--config", str(config), "--quiet"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = process.stdout.readline()
    if not line.startswith("rzs_emulator: serving"):
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line.split()[2]


def stored_events(directory: Path) -> tuple[int, int]:
    """(events the emulator stored, event ids stored more than once)."""
    with sqlite3.connect(directory / "rzs" / "rzs.sqlite3") as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        twice = conn.execute("SELECT count(*) FROM (SELECT event_id FROM events GROUP BY "
                             "event_id HAVING count(*) > 1)").fetchone()[0]
    return stored, twice


def new_order(app, ids: dict, company: int, series: int, events: int, nip: str) -> int:
    """A closed order on a new device of the company (its own event goes in the batch too)
    and `events - 1` more pending events of new devices, inserted as the outbox holds them."""
    from sqlalchemy import insert

    from app import clock, tenancy
    from app.extensions import db
    from app.models import Transmission
    from rzs_emulator.bench import make_events

    number = series * 100 + company
    device_id = new_device(app, ids, number, digit=7)
    order_id = closed_order(app, ids, device_id, clock.today())
    made = make_events(number * 100_000, events - 1, seal=SEAL, tag=f"W{number}-")
    for event in made:  # each company's own devices and NIP: no "INNY SERWIS"
        event["service"] = {"nip": nip, "name": f"Serwis {company}"}
    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        now = datetime.now(UTC)
        db.session.execute(insert(Transmission), [
            {"tenant_id": ids["tenant"], "order_id": order_id, "producer_id": ids["producer"],
             "event_id": e["id"], "kind": "PU", "status": "pending", "payload": e,
             "attempts": 0, "created_at": now, "updated_at": now, "reply_tokens": "",
             "reply_text": "", "meaning": "", "last_error": ""} for e in made])
        db.session.commit()
        db.session.remove()
    return order_id


def run_level(app, companies: list[dict], nips: list[str], workers: int, series: int,
              events: int, env: dict, directory: Path) -> dict:
    from rq.job import Job
    from sqlalchemy import func, select

    from app import clock, jobs, tenancy
    from app.extensions import db
    from app.models import JobKind, Transmission
    from workers import jobs as job_queue
    from workers import redis_connection

    orders = [new_order(app, ids, c, series, events, nips[c]) for c, ids in enumerate(companies)]
    stored_before, _twice = stored_events(directory)
    processes = [subprocess.Popen([sys.executable, "-m", "workers", "rzs"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
    try:
        with app.app_context():
            wait_idle(redis_connection(), workers)
            today = clock.today().isoformat()
            rows = []
            began = time.perf_counter()
            for ids in companies:  # "Wyślij zlecenia" of every company, one after another
                with tenancy.use_tenant(ids["tenant"]):
                    row = jobs.new(JobKind.RZS_BATCH, None, producer_id=ids["producer"],
                                   **{"from": today, "to": today})
                    db.session.commit()
                    job_queue.start(row)
                    rows.append(row.rq_id)
            queued = [Job.fetch(rq_id, connection=redis_connection()) for rq_id in rows]
            while any(j.get_status(refresh=True) not in ("finished", "failed") for j in queued):
                time.sleep(0.01)
            seconds = time.perf_counter() - began
            results = [j.return_value() or {} for j in queued]
            failed = [j.id for j in queued if j.get_status() != "finished"]
            delivered = []
            for ids, order_id in zip(companies, orders, strict=True):
                with tenancy.use_tenant(ids["tenant"]):
                    delivered.append(db.session.scalar(
                        select(func.count()).select_from(Transmission)
                        .where(Transmission.order_id == order_id,
                               Transmission.status == "delivered")))
                    db.session.commit()
            db.session.remove()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    stored_after, twice = stored_events(directory)
    total = events * len(companies)
    # A benchmark of failures measures nothing: every event timed must have been delivered.
    if failed or sum(delivered) != total or stored_after - stored_before != total or twice:
        raise SystemExit(f"{workers} workers: delivered per company {delivered} of {events}, "
                         f"stored by the registry {stored_after - stored_before} of {total}, "
                         f"stored twice {twice}, failed jobs {failed}, results {results}")
    return {"workers": workers, "seconds": seconds, "delivered": sum(delivered),
            "stored": stored_after - stored_before, "total": total,
            "in_job": [r.get("seconds", 0.0) for r in results],
            "load": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=4)
    parser.add_argument("--events", type=int, default=2500, help="per company")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.latency import as_app_role
    from rzs_emulator.bench import measure
    from tests.services import start_postgres, start_redis

    nips = company_nips(args.companies)
    with tempfile.TemporaryDirectory(prefix="plomba-rzs-workers-") as tmp:
        directory = Path(tmp)
        directory.chmod(0o755)  # the PostgreSQL cluster below belongs to the postgres user
        (directory / "instance").mkdir()
        emulator, url = start_registry(directory, nips)
        redis = start_redis(directory / "redis")
        postgres = None
        try:
            total = args.companies * args.events
            postgres = start_postgres(directory / "pg")
            app = make_app(postgres.url, redis.url, directory / "instance")
            companies = [make_company(app, f"{url}/bench", number=c + 1, nip=nip,
                                      login=LOGIN if c == 0 else f"bench{c}",
                                      key=KEY if c == 0 else f"bench-key-{c}")
                         for c, nip in enumerate(nips)]
            # The workers as in production: the application role, under row-level security.
            env = dict(os.environ, PYTHONPATH=str(ROOT), DATABASE_URL=as_app_role(postgres.url))
            levels = []
            for series, workers in enumerate(args.workers, 1):
                # The capacity right before each level: on a shared machine a figure from a
                # minute earlier is another machine's.
                capacity = measure(f"{url}/bench", LOGIN, KEY, SERVICE_NIP, PRODUCER_NIP,
                                   requests=max(1, total // 500), per_request=500, seal=SEAL,
                                   start=1 + 20_000 * series)
                levels.append(run_level(app, companies, nips, workers, series, args.events,
                                        env, directory) | {"capacity": capacity})
        finally:
            redis.stop()
            if postgres is not None:
                postgres.stop()
            emulator.terminate()
            emulator.wait(timeout=10)
    load = os.getloadavg()
    print(f"machine load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min), "
          f"{os.cpu_count()} cores")
    for level in levels:
        capacity = level["capacity"]
        print(f"emulator capacity (bare httpx, one client) before {level['workers']} worker(s): "
              f"{capacity.events} events in {capacity.seconds:.2f} s = "
              f"{capacity.events_per_second:,.0f} events/s")
        eps = level["total"] / level["seconds"]
        print(f"{level['workers']} worker(s), {args.companies} companies x {args.events} events "
              f"at once: {level['delivered']} of {level['total']} delivered (registry stored "
              f"{level['stored']}, none twice) in {level['seconds']:.2f} s = {eps:,.0f} "
              f"events/s = {100 * eps / capacity.events_per_second:.0f}% of capacity; in the "
              f"jobs {', '.join(f'{s:.2f}' for s in level['in_job'])} s; "
              f"load {level['load']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
