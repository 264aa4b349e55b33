"""The real RZS emulator on loopback, configured for the test tenant "Serwis Alfa", and a
burst worker on the real Redis."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from rq import SimpleWorker, Worker
from rq.scheduler import RQScheduler
from sqlalchemy import select

from app import clock, secrets, tenancy
from app.extensions import db
from app.models import Device, Order, Party, Service, Transmission
from app.orders import workflow
from app.orders.workflow import Actor
from workers import QUEUE_NAMES, queue, redis_connection

SERVICE_NIP = "1234563218"  # tenant_a of tests/conftest.py
PRODUCER_NIP = "5272457354"
LOGIN, KEY = "alfa-api", "k-8f2c"
SEAL = "P-Alfa"  # tests/factories.populate
OTHER_SERVICE_DEVICE = ("ZBF9999999999", "PO999999999")


def emulator_config() -> dict:
    return {"producers": [{
        "code": "posnet", "nip": PRODUCER_NIP, "name": "Posnet",
        "prefixes": ["ZBF", "EBF"],
        "service_companies": [
            {"nip": SERVICE_NIP, "name": "Serwis Alfa", "login": LOGIN, "key": KEY,
             "seals": [SEAL, "P-2"]},
            {"nip": "7010002139", "name": "Inny serwis", "login": "inny", "key": "x",
             "seals": ["Z-1"]},
        ],
        "devices": [{"unique_no": OTHER_SERVICE_DEVICE[0], "factory_no": OTHER_SERVICE_DEVICE[1],
                     "service_nip": "7010002139"}],
    }]}


class Emulator:
    def __init__(self, url: str, process: subprocess.Popen):
        self.url, self.process = url, process
        self.http = httpx.Client(base_url=url, timeout=10)

    def producer_url(self, code: str = "posnet") -> str:
        return f"{self.url}/{code}"

    def faults(self, **settings) -> None:
        self.http.post("/_admin/faults", json=settings).raise_for_status()

    def reset(self) -> None:
        self.http.post("/_admin/reset").raise_for_status()
        self.faults()

    def stats(self, code: str = "posnet") -> dict:
        return self.http.get("/_admin/stats").json()[code]

    def events(self) -> list[dict]:
        return self.http.get("/_admin/events").json()

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def start_emulator(directory: Path, config: dict) -> Emulator:
    """`python -m rzs_emulator` on a free loopback port with this configuration, returned once
    it serves; the caller stops it with emulator.stop()."""
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [sys.executable, "-m", "rzs_emulator", "--port", "0", "--data", str(directory / "data"),
         "--config", str(path), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    assert line.startswith("rzs_emulator: serving "), line
    return Emulator(line.split()[2], process)


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    emulator = start_emulator(tmp_path_factory.mktemp("rzs"), emulator_config())
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(emulator_server):
    emulator_server.reset()
    yield emulator_server
    emulator_server.faults()


@pytest.fixture
def rzs(app, tenant_a, emulator, redis_client, monkeypatch):
    """Tenant A with its producer pointed at the emulator; returns helpers for the tests."""
    from tests import factories

    redis_client.flushdb()
    monkeypatch.setattr("app.rzs.dispatch.BACKOFF_BASE", 0.2)
    monkeypatch.setattr("app.rzs.dispatch.BACKOFF_CAP", 1.0)
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            producer = db.session.get(Party, ids["producer_id"])
            producer.api_url = emulator.producer_url()
            producer.api_login = LOGIN
            producer.api_key_encrypted = secrets.encrypt(KEY)
            producer.online = True
            # The populated order stays out of the way: its pending row is voided.
            for row in db.session.scalars(select(Transmission)):
                row.status = "void"
            db.session.commit()
    return Helpers(app, tenant_a, ids, emulator)


class Helpers:
    def __init__(self, app, tenant, ids, emulator):
        self.app, self.tenant, self.ids, self.emulator = app, tenant, ids, emulator

    def ctx(self):
        return _TenantContext(self.app, self.tenant.id)

    def device(self, unique_no: str, factory_no: str) -> int:
        with self.ctx():
            device = Device(producer_id=self.ids["producer_id"], factory_no=factory_no,
                            unique_no=unique_no, client_id=self.ids["client_id"],
                            location_id=self.ids["location_id"], status="fiscalized",
                            fiscalized_on=date(2024, 1, 2))
            db.session.add(device)
            db.session.commit()
            return device.id

    def closed_order(self, device_id: int | None = None, kind: str = "P",
                     day: date | None = None, seal: str | None = None) -> int:
        """A flagged order with one item of the kind, started and closed through the workflow
        (so its transmission rows are written by the outbox)."""
        actor = Actor(None, "owner")
        with self.ctx():
            service = db.session.scalar(select(Service).where(Service.special_kind == kind))
            if service is None:
                service = Service(name=f"Usługa {kind}", special_kind=kind, service_book=True,
                                  price=Decimal("100"))
                db.session.add(service)
                db.session.flush()
            order = workflow.create_order(
                actor, client_id=self.ids["client_id"], location_id=None,
                device_id=device_id or self.ids["device_id"],
                technician_id=self.ids["technician_id"])
            if seal:
                order.seal_no = seal
            workflow.start(actor, order, now=clock.now() - timedelta(hours=1))
            workflow.add_item(actor, order, service_id=service.id, quantity=Decimal(1),
                              price=None, vat_rate=None, performed_on=day or clock.today())
            if kind not in ("P", "F", "L"):
                workflow.save_book(actor, order, {"fault": "Nie drukuje", "work_done": "Naprawa"})
            workflow.close(actor, order)
            workflow.commit()
            return order.id

    def rows(self, order_id: int | None = None) -> list[dict]:
        with self.ctx():
            stmt = select(Transmission).where(Transmission.status != "void").order_by(
                Transmission.id)
            if order_id:
                stmt = stmt.where(Transmission.order_id == order_id)
            return [{"id": t.id, "status": t.status, "tokens": t.reply_tokens,
                     "meaning": t.meaning, "attempts": t.attempts, "event_id": t.event_id,
                     "next_attempt_at": t.next_attempt_at, "error": t.last_error}
                    for t in db.session.scalars(stmt)]

    def work(self, rounds: int = 1, until_settled: bool = False, timeout: float = 30) -> None:
        """Run a burst worker (with rq's scheduler) over the queues, in this process; from
        the second round on, each round starts with a sweep (which queues due retries, as the
        sweeper does every minute in production)."""
        from workers.rzs import sweep_once

        deadline = time.monotonic() + timeout
        first = True
        with self.app.app_context():
            connection = redis_connection()
            queues = [queue(n, connection) for n in QUEUE_NAMES]
            while True:
                if not first:
                    sweep_once(connection)
                first = False
                # rq's scheduler moves due retries to the queues; a burst worker's own scheduler
                # may not get the lock a previous burst left, so do it here explicitly.
                scheduler = RQScheduler(queues, connection=connection)
                scheduler.acquire_locks()
                scheduler.prepare_registries([q.name for q in queues])
                scheduler.enqueue_scheduled_jobs()
                scheduler.release_locks()
                SimpleWorker(queues, connection=connection).work(burst=True)
                rounds -= 1
                waiting = [r for r in self.rows() if r["status"] in ("pending", "sending")]
                if rounds <= 0 and not (until_settled and waiting):
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"still waiting: {waiting}")
                time.sleep(0.25)


class _TenantContext:
    def __init__(self, app, tenant_id):
        self.app_ctx = app.app_context()
        self.tenant = tenancy.use_tenant(tenant_id)

    def __enter__(self):
        self.app_ctx.__enter__()
        self.tenant.__enter__()

    def __exit__(self, *exc):
        self.tenant.__exit__(*exc)
        db.session.remove()
        self.app_ctx.__exit__(*exc)


def worker_env(app) -> dict:
    """Environment for a `python -m workers` subprocess on the test database and Redis."""
    env = dict(os.environ)
    env.update(PLOMBA_ENV="testing", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.config["REDIS_URL"], PYTHONPATH=str(Path(__file__).parents[2]))
    return env


# A worker process imports the app and connects before it takes a job: 2-3 s on an idle
# machine, 18-25 s seen during a full run on a loaded one. Tests wait for it to register
# itself in Redis, so their own timeouts measure the work, not the start.
WORKER_START_TIMEOUT = 120


def start_worker(app, *queues: str, **popen_kwargs) -> subprocess.Popen:
    """`python -m workers QUEUES` on the test database and Redis, returned once it listens."""
    connection = redis_connection(app.config["REDIS_URL"])
    before = {w.name for w in Worker.all(connection=connection)}
    popen_kwargs.setdefault("stdout", subprocess.DEVNULL)
    popen_kwargs.setdefault("stderr", subprocess.DEVNULL)
    process = subprocess.Popen([sys.executable, "-m", "workers", *queues], env=worker_env(app),
                               **popen_kwargs)
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while not {w.name for w in Worker.all(connection=connection)} - before:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode} at start")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the worker did not start in {WORKER_START_TIMEOUT} s")
        time.sleep(0.1)
    return process


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a worker's work horse and scheduler)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def kill_worker(process: subprocess.Popen) -> None:
    """kill -9 of a worker started in a session of its own (start_new_session), its work
    horse (rq forks it into a process group of its own) and its scheduler."""
    for pid in children(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


__all__ = ["Emulator", "Helpers", "Order", "children", "kill_worker", "start_emulator",
           "start_worker", "worker_env"]
