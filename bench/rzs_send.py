"""RZS sending figures (issue 5), in one run against the real emulator on loopback:

1. the emulator's own capacity: a bare httpx client, 20 requests x 500 new events, measured
   again right before each batch (the machine is shared: a figure from a minute earlier is
   another machine), each batch compared with the one just before it;
2. Plomba's offline batch ("Wyślij zlecenia") of 10,000 events: the rq job in a real worker
   process, from enqueue to the last row recorded; events per second, and the worker's peak
   memory (its largest process, the work horse included);
3. online: close an order -> the reply recorded, with an idle worker, N orders; and the time
   until the order page (which polls every second) shows it.

    python -m bench.rzs_send [--events 10000] [--online 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE_NIP, PRODUCER_NIP, LOGIN, KEY, SEAL = "1234563218", "5272457354", "bench", "bench-key", \
    "P-1234"


def start_emulator(directory: Path) -> tuple[subprocess.Popen, str]:
    from rzs_emulator.bench import BENCH_CONFIG

    config = directory / "config.json"
    config.write_text(json.dumps(BENCH_CONFIG))
    process = subprocess.Popen(
        [sys.executable, "-m", "rzs_emulator", "--port", "0", "--data", str(directory / "rzs"),
         "--config", str(config), "--quiet"], stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    return process, line.split()[2]


def make_app(db_url: str, redis_url: str, instance: Path | None = None):
    """The app of this process, on a migrated database; the environment it sets is what the
    worker processes started after it inherit."""
    # The worker process must read what this process encrypts: one PLOMBA_SECRETS_KEY for both
    # (a worker with another key refuses to start, see workers.__main__).
    from cryptography.fernet import Fernet

    os.environ.update(PLOMBA_ENV="development", DATABASE_URL=db_url, REDIS_URL=redis_url,
                      RZS_ALLOW_PRIVATE_HOSTS="1",
                      PLOMBA_INSTANCE_DIR=str(instance or Path(db_url[10:]).parent),
                      PLOMBA_SECRETS_KEY=Fernet.generate_key().decode(),
                      SECRET_KEY="bench-secret")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": redis_url,
                      "RZS_ALLOW_PRIVATE_HOSTS": True,
                      "PLOMBA_SECRETS_KEY": os.environ["PLOMBA_SECRETS_KEY"],
                      "SECRET_KEY": os.environ["SECRET_KEY"]})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def make_company(app, producer_url: str, number: int = 1, nip: str = SERVICE_NIP,
                 login: str = LOGIN, key: str = KEY) -> dict:
    """A service company with an offline producer (the emulator's, with these credentials),
    a client, a technician with the seal the registry knows, and one fiscalized device."""
    from app import secrets, tenancy
    from app.accounts import create_tenant
    from app.extensions import db
    from app.models import Device, Location, Party, Service, Technician

    with app.app_context():
        tenant_id = create_tenant(f"Bench Serwis {number}", nip,
                                  f"rzs-bench-{number}@example.com", "bench-plomba-1")
        with tenancy.use_tenant(tenant_id):
            producer = Party(name="Producent testowy", nip=PRODUCER_NIP, is_producer=True,
                             is_client=False, api_url=producer_url, api_login=login,
                             api_key_encrypted=secrets.encrypt(key), online=False)
            client = Party(name="Klient", nip="5260250274", street="Długa 1",
                           postal_code="90-001", city="Łódź")
            db.session.add_all([producer, client])
            db.session.flush()
            location = Location(client_id=client.id, street="Długa 1", postal_code="90-001",
                                city="Łódź")
            technician = Technician(name="Jan Kowalski", identifier="JK", seal_no=SEAL)
            service = Service(name="Przegląd", special_kind="P", service_book=True,
                              price=Decimal("100"))
            db.session.add_all([location, technician, service])
            db.session.flush()
            device = Device(producer_id=producer.id, factory_no=f"PO9{number:08d}",
                            unique_no=f"ZBF9{number:09d}", client_id=client.id,
                            location_id=location.id, status="fiscalized",
                            fiscalized_on=date(2024, 1, 1))
            db.session.add(device)
            db.session.commit()
            ids = dict(tenant=tenant_id, producer=producer.id, client=client.id,
                       location=location.id, technician=technician.id, service=service.id,
                       device=device.id)
        db.session.remove()
    return ids


def closed_order(app, ids, device_id: int, day: date) -> int:
    from app import tenancy
    from app.extensions import db
    from app.orders import workflow
    from app.orders.workflow import Actor

    actor = Actor(None, "owner")
    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        order = workflow.create_order(actor, client_id=ids["client"], location_id=None,
                                      device_id=device_id, technician_id=ids["technician"])
        workflow.start(actor, order, now=datetime.now(UTC) - timedelta(hours=1))
        workflow.add_item(actor, order, service_id=ids["service"], quantity=Decimal(1),
                          price=None, vat_rate=None, performed_on=day)
        workflow.close(actor, order)
        workflow.commit()
        order_id = order.id
        db.session.remove()
    return order_id


class PeakRSS:
    """Samples the resident memory of a process and its children (rq forks a work horse per
    job) every 20 ms; stop() gives the largest single process seen, in MB. `horse_cpu` is the
    CPU time (user + system, all threads) the children used, as last seen: the work horse's
    cost of the job, which unlike its wall time hardly depends on the machine's load."""

    def __init__(self, pid: int):
        import threading

        self.pid, self.peak_kb, self.running = pid, 0, True
        self.cpu_ticks: dict[int, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _rss_kb(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _children(self) -> list[int]:
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    @staticmethod
    def _cpu(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return 0

    @property
    def horse_cpu(self) -> float:
        return sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")

    def _run(self) -> None:
        while self.running:
            for pid in [self.pid, *self._children()]:
                self.peak_kb = max(self.peak_kb, self._rss_kb(pid))
                if pid != self.pid:
                    self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), self._cpu(pid))
            time.sleep(0.02)

    @staticmethod
    def cpu_of(pid: int) -> float:
        return PeakRSS._cpu(pid) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak_kb / 1024


def offline_batch(app, ids, events: int, env: dict, series: int = 1,
                  emulator_pid: int = 0) -> dict:
    from rq.job import Job
    from sqlalchemy import func, insert, select, update

    from app import clock, jobs, tenancy
    from app.extensions import db
    from app.models import JobKind, Transmission
    from rzs_emulator.bench import make_events
    from workers import jobs as job_queue
    from workers import redis_connection

    # Each run its own device and events (another series of numbers): new to the registry.
    device_id = ids["device"] if series == 1 else new_device(app, ids, series)
    order_id = closed_order(app, ids, device_id, clock.today())
    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        db.session.execute(update(Transmission).where(Transmission.status == "pending")
                           .values(status="void"))  # earlier runs' leftovers stay out
        now = datetime.now(UTC)
        rows = [{"tenant_id": ids["tenant"], "order_id": order_id, "producer_id": ids["producer"],
                 "event_id": e["id"], "kind": "PU", "status": "pending", "payload": e,
                 "attempts": 0, "created_at": now, "updated_at": now,
                 "reply_tokens": "", "reply_text": "", "meaning": "", "last_error": ""}
                for e in make_events(1_000_000 * series, events - 1, seal=SEAL,
                                     tag=f"P{series}-")]
        db.session.execute(insert(Transmission), rows)
        db.session.commit()
        worker = subprocess.Popen([sys.executable, "-m", "workers", "rzs"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_idle(redis_connection(), 1)  # the worker has started and waits, idle
        sampler = PeakRSS(worker.pid)
        emulator_cpu = PeakRSS.cpu_of(emulator_pid)
        today = clock.today().isoformat()
        began = time.perf_counter()
        row = jobs.new(JobKind.RZS_BATCH, None, producer_id=ids["producer"],
                       **{"from": today, "to": today})
        db.session.commit()
        job_queue.start(row)
        job = Job.fetch(row.rq_id, connection=redis_connection())
        while job.get_status(refresh=True) not in ("finished", "failed"):
            time.sleep(0.01)
        seconds = time.perf_counter() - began
        peak_mb = sampler.stop()
        emulator_cpu = PeakRSS.cpu_of(emulator_pid) - emulator_cpu
        worker.terminate()
        worker.wait(timeout=10)
        counts = dict(db.session.execute(select(Transmission.status, func.count())
                                         .where(Transmission.order_id == order_id)
                                         .group_by(Transmission.status)).all())
        result = job.return_value()
    # A benchmark of failures measures nothing: every event timed must have been delivered.
    delivered = counts.get("delivered", 0)
    if job.get_status() != "finished" or delivered != events:
        raise SystemExit(f"batch run {series}: {delivered} of {events} events delivered "
                         f"(statuses {counts}, job {job.get_status()}, result {result})")
    return {"seconds": seconds, "statuses": counts, "result": result, "peak_rss_mb": peak_mb,
            "horse_cpu": sampler.horse_cpu, "emulator_cpu": emulator_cpu,
            "delivered": delivered, "load": os.getloadavg()[0]}


def wait_idle(connection, count: int, timeout: float = 120) -> None:
    """Until `count` rq workers are registered and idle: a worker's start (imports, the app)
    takes seconds more on a loaded machine, and is no part of what is timed."""
    from rq import Worker

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = Worker.all(connection=connection)
        if len(workers) >= count and all(w.get_state() == "idle" for w in workers):
            time.sleep(0.5)  # past the first round of its start-up maintenance
            return
        time.sleep(0.1)
    raise SystemExit(f"{count} idle workers not seen within {timeout:.0f} s")


def new_device(app, ids, series: int, digit: int = 9) -> int:
    """A device of its own for a run, so its events are new to the registry; `digit` keeps
    one bench's numbers apart from another's."""
    from app import tenancy
    from app.extensions import db
    from app.models import Device

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        device = Device(producer_id=ids["producer"], factory_no=f"PO{digit}{series:08d}",
                        unique_no=f"ZBF{digit}{series:09d}", client_id=ids["client"],
                        location_id=ids["location"], status="fiscalized",
                        fiscalized_on=date(2024, 1, 1))
        db.session.add(device)
        db.session.commit()
        device_id = device.id
        db.session.remove()
    return device_id


def online(app, ids, orders: int, env: dict) -> dict:
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Device, Party, Transmission

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        db.session.get(Party, ids["producer"]).online = True
        devices = []
        for n in range(orders):
            device = Device(producer_id=ids["producer"], factory_no=f"PO8{n:08d}",
                            unique_no=f"ZBF8{n:09d}", client_id=ids["client"],
                            location_id=ids["location"], status="fiscalized",
                            fiscalized_on=date(2024, 1, 1))
            db.session.add(device)
            devices.append(device)
        db.session.commit()
        device_ids = [d.id for d in devices]
    worker = subprocess.Popen([sys.executable, "-m", "workers", "rzs"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)  # the worker is up and idle
    delays = []
    try:
        for device_id in device_ids:
            began = time.perf_counter()
            order_id = closed_order(app, ids, device_id, date.today())
            while True:
                with app.app_context(), tenancy.use_tenant(ids["tenant"]):
                    status = db.session.scalar(select(Transmission.status).where(
                        Transmission.order_id == order_id))
                    db.session.remove()
                if status not in ("pending", "sending"):
                    break
                if time.perf_counter() - began > 30:
                    raise RuntimeError("no reply in 30 s")
                time.sleep(0.01)
            delays.append(time.perf_counter() - began)
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    ordered = sorted(delays)
    # The order page shows the reply box after the redirect and polls it one second apart.
    screen = sorted(1.0 * max(1, int(d) + (d % 1 > 0)) for d in delays)
    return {"n": len(delays), "median": statistics.median(ordered),
            "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "screen_median": statistics.median(screen),
            "screen_p95": screen[int(0.95 * (len(screen) - 1))]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--online", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3, help="offline batches, each of --events")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from rzs_emulator.bench import measure
    from tests.services import start_redis

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        emulator, url = start_emulator(directory)
        redis = start_redis(directory / "redis")
        try:
            app = make_app(f"sqlite:///{directory / 'plomba.db'}", redis.url)
            ids = make_company(app, f"{url}/bench")
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            capacities, capacity_cpu, batches = [], [], []
            for n in range(1, args.runs + 1):
                before = PeakRSS.cpu_of(emulator.pid)
                capacities.append(measure(f"{url}/bench", LOGIN, KEY, SERVICE_NIP, PRODUCER_NIP,
                                          requests=args.events // 500, per_request=500,
                                          seal=SEAL, start=1 + 100_000 * n))
                capacity_cpu.append(PeakRSS.cpu_of(emulator.pid) - before)
                batches.append(offline_batch(app, ids, args.events, env, series=n,
                                             emulator_pid=emulator.pid))
            live = online(app, ids, args.online, env) if args.online else None
        finally:
            redis.stop()
            emulator.terminate()
            emulator.wait(timeout=10)
    print(f"machine load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} (1, 5, 15 min), {os.cpu_count()} cores")
    for n, (batch, capacity) in enumerate(zip(batches, capacities, strict=True), 1):
        plomba_eps = args.events / batch["seconds"]
        print(f"emulator capacity (bare httpx) before batch {n}: {capacity.events} events in "
              f"{capacity.seconds:.2f} s = {capacity.events_per_second:,.0f} events/s")
        print(f"Plomba offline batch {n}: {batch['delivered']} of {args.events} events "
              f"delivered in {batch['seconds']:.2f} s (in the job {batch['result']['seconds']:.2f}"
              f" s) = {plomba_eps:,.0f} events/s = "
              f"{100 * plomba_eps / capacity.events_per_second:.0f}% of capacity; "
              f"worker peak RSS {batch['peak_rss_mb']:.0f} MB; load {batch['load']:.2f}")
        print(f"  CPU: the work horse {batch['horse_cpu']:.2f} s, the emulator "
              f"{batch['emulator_cpu']:.2f} s (the bare client's run: emulator "
              f"{capacity_cpu[n - 1]:.2f} s)")
    if live is None:
        return 0
    print(f"online close -> reply recorded (n={live['n']}): median {live['median']:.2f} s, "
          f"p95 {live['p95']:.2f} s; on screen (1 s polling): median "
          f"{live['screen_median']:.1f} s, p95 {live['screen_p95']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
