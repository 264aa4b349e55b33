"""Chaos run of the RZS sending (issue 18): 1,000 events through real processes while things
break; then how long until every event settled, and what went wrong.

    python -m bench.chaos [--db sqlite|postgres] [--online 500] [--offline 500]
                          [--settle-limit 120] [--backoff-cap 60]

In a temporary directory: the RZS emulator (on a fixed port, so it can be restarted), a Redis,
SQLite or a throwaway PostgreSQL cluster (as its owner: row-level security is not what is
measured here), a tenant with an online and an offline producer, and two workers
(`python -m workers rzs`) kept alive by a supervisor loop here, as a restart policy would.

Timeline, seconds from the start:
  0        faults on: 30 % of /events answer 500, 429 bursts (3 of every 20 requests,
           Retry-After 2 s), 20 % of the replies of stored requests lost; --online orders
           start closing (one event each, spread over 60 s)
  2        "Wyślij zlecenia" of the offline producer: one batch job of --offline events
  10 20 38 52  kill -9 of a worker with its work horse and scheduler (its process group),
           the two workers in turn, each when it runs a job (waiting up to 8 s for one)
  30       Redis restarted with its data (SAVE, SHUTDOWN, started on the same files)
  45       Redis restarted without its data
  65-95    the registry down (its process killed), then started again on its data, with no
           faults: the last fault ends at 95
Then every 0.5 s: are all events delivered? The settle time is from the end of the last fault.

Retries back off exponentially with a cap of an hour in production; the run compresses an
outage of hours into two minutes, and --backoff-cap (default 60 s) compresses the cap with it
(the workers start with `app.rzs.dispatch.BACKOFF_CAP` set to it). Without that, the settle
time measures the backoff policy (a row that failed three times waits 2 minutes), not whether
the system comes back by itself.

Counts: lost (an event not stored in the registry, or not "delivered" in Plomba, once
settled), stored twice (the registry's events by id), duplicate POSTs (events the registry
received again after storing them: a lost reply, a killed worker; expected, and harmless),
wrong status (Plomba's status and the registry disagree, or rejected/held/unknown). Exit 1
when lost, stored twice or wrong status is not 0, or the run did not settle within the limit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bench.rzs_send import KEY, LOGIN, PRODUCER_NIP, ROOT, SEAL, SERVICE_NIP, closed_order

WORKER = ("import sys; from app.rzs import dispatch; dispatch.BACKOFF_CAP = float(sys.argv[1]); "
          "from workers.__main__ import main; sys.exit(main(sys.argv[2:]))")
OFFLINE_NIP = "7010002139"
FAULTS = {"fail_share": 0.3, "throttle": 3, "throttle_every": 20, "retry_after": 2,
          "lose_reply_share": 0.2}


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


class Registry:
    """The emulator on a fixed port and data directory: killed and started again at will."""

    def __init__(self, directory: Path, port: int):
        from rzs_emulator.bench import BENCH_CONFIG

        self.directory, self.port = directory, port
        self.config = directory / "config.json"
        # Two producers of one service company (a party's NIP is unique in a tenant).
        [producer] = BENCH_CONFIG["producers"]
        self.config.write_text(json.dumps({"producers": [
            {**producer, "code": "online"},
            {**producer, "code": "offline", "nip": OFFLINE_NIP, "name": "Producent offline"}]}))
        self.url = f"http://127.0.0.1:{port}"
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rzs_emulator", "--port", str(self.port), "--data",
             str(self.directory / "rzs"), "--config", str(self.config), "--quiet"],
            stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = self.process.stdout.readline()
        if not line.startswith("rzs_emulator: serving"):
            raise SystemExit(f"the emulator did not start: {line!r}")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def faults(self, settings: dict) -> None:
        import httpx

        httpx.post(f"{self.url}/_admin/faults", json=settings, timeout=10).raise_for_status()

    def counts(self) -> dict:
        with sqlite3.connect(self.directory / "rzs" / "rzs.sqlite3") as conn:
            stored = dict(conn.execute("SELECT event_id, count(*) FROM events GROUP BY event_id"))
            received = conn.execute("SELECT coalesce(sum(events), 0), count(*),"
                                    " coalesce(sum(reply_lost), 0) FROM requests")
            events_received, requests, lost_replies = received.fetchone()
        return {"stored": stored, "received": events_received, "requests": requests,
                "replies_lost": lost_replies}


class Redis:
    def __init__(self, directory: Path):
        from tests.services import start_redis

        self.directory, self.restarts = directory, 0
        self.server = start_redis(directory / "redis0")
        self.port = int(self.server.url.rsplit(":", 1)[1].split("/")[0])
        self.url = self.server.url

    def _cli(self, *args: str) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                       check=False, timeout=30)

    def restart(self, keep_data: bool) -> None:
        from tests.services import start_redis

        if keep_data:
            self._cli("shutdown", "save")  # dump.rdb in its directory, read again at start
            workdir = self.server.dir
        else:
            self._cli("shutdown", "nosave")
            self.restarts += 1
            workdir = self.directory / f"redis{self.restarts}"
        self.server = start_redis(workdir, port=self.port)

    def keys(self) -> int:
        import redis

        return redis.Redis.from_url(self.url).dbsize()

    def stop(self) -> None:
        self.server.stop()


def _children(pid: int) -> list[int]:
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


def _horses(worker_pid: int) -> list[int]:
    """The worker's work horse, if one runs: the child that leads a process group of its own
    (rq's scheduler, the other child, stays in the worker's)."""
    found = []
    for pid in _children(worker_pid):
        try:
            if os.getpgid(pid) == pid:
                found.append(pid)
        except OSError:
            pass
    return found


class Workers:
    """Two `python -m workers rzs` processes, each in a session of its own (the worker, its
    work horse and its scheduler), restarted by a supervisor thread when one dies."""

    def __init__(self, env: dict, backoff_cap: float, logs: Path, slots: int = 2):
        self.env, self.cap, self.logs = env, backoff_cap, logs
        self.processes: list[subprocess.Popen | None] = [None] * slots
        self.starts = 0
        self.killed = self.horses_killed = 0
        self.running = True
        for slot in range(slots):
            self._start(slot)
        self.thread = threading.Thread(target=self._supervise, daemon=True)
        self.thread.start()

    def _start(self, slot: int) -> None:
        self.starts += 1
        out = open(self.logs / f"worker-{slot}-{self.starts}.log", "w")  # noqa: SIM115
        self.processes[slot] = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(self.cap), "rzs"], env=self.env, cwd=ROOT,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()

    def _supervise(self) -> None:
        while self.running:
            for slot, process in enumerate(self.processes):
                if process is not None and process.poll() is not None and self.running:
                    time.sleep(1)  # a restart policy's pause
                    self._start(slot)
            time.sleep(0.25)

    def kill(self, slot: int, wait: float = 8) -> str:
        """kill -9 of the worker, its work horse (rq forks it into a process group of its own)
        and its scheduler. Waits up to `wait` seconds for the worker to be running a job, so
        the kill takes a work horse with it."""
        process = self.processes[slot]
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not _horses(process.pid):
            time.sleep(0.02)
        horses = _horses(process.pid)
        for pid in _children(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.killed += 1
        self.horses_killed += bool(horses)
        return "with its work horse" if horses else "idle: no work horse within 8 s"

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        for process in self.processes:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def setup(db_url: str, redis_url: str, registry_url: str, instance: Path, online: int,
          offline: int) -> tuple:
    from cryptography.fernet import Fernet

    os.environ.pop("PLOMBA_TEST_NOW", None)
    os.environ.update(PLOMBA_ENV="development", DATABASE_URL=db_url, REDIS_URL=redis_url,
                      RZS_ALLOW_PRIVATE_HOSTS="1", PLOMBA_INSTANCE_DIR=str(instance),
                      PLOMBA_SECRETS_KEY=Fernet.generate_key().decode(),
                      SECRET_KEY="chaos-secret")
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app import clock, create_app, secrets, tenancy
    from app.accounts import create_tenant
    from app.extensions import db
    from app.models import Device, Location, Party, Service, Technician, Transmission
    from rzs_emulator.bench import make_events

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": redis_url,
                      "RZS_ALLOW_PRIVATE_HOSTS": True,
                      "PLOMBA_SECRETS_KEY": os.environ["PLOMBA_SECRETS_KEY"],
                      "SECRET_KEY": os.environ["SECRET_KEY"]})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        tenant_id = create_tenant("Chaos Serwis", SERVICE_NIP, "chaos@example.com",
                                  "chaos-plomba-1")
        with tenancy.use_tenant(tenant_id):
            producers = {}
            for name, nip, is_online in (("online", PRODUCER_NIP, True),
                                         ("offline", OFFLINE_NIP, False)):
                producers[name] = Party(
                    name=f"Producent {name}", nip=nip, is_producer=True,
                    is_client=False, api_url=f"{registry_url}/{name}", api_login=LOGIN,
                    api_key_encrypted=secrets.encrypt(KEY), online=is_online)
            client = Party(name="Klient", nip="5260250274", street="Długa 1",
                           postal_code="90-001", city="Łódź")
            db.session.add_all([*producers.values(), client])
            db.session.flush()
            location = Location(client_id=client.id, street="Długa 1", postal_code="90-001",
                                city="Łódź")
            technician = Technician(name="Jan Kowalski", identifier="JK", seal_no=SEAL)
            service = Service(name="Przegląd", special_kind="P", service_book=True,
                              price=Decimal("100"))
            db.session.add_all([location, technician, service])
            db.session.flush()
            devices = [Device(producer_id=producers["online" if n < online else "offline"].id,
                              factory_no=f"PO7{n:08d}", unique_no=f"ZBF7{n:09d}",
                              client_id=client.id, location_id=location.id, status="fiscalized",
                              fiscalized_on=date(2024, 1, 1)) for n in range(online + 1)]
            db.session.add_all(devices)
            db.session.commit()
            ids = dict(tenant=tenant_id, producer=producers["offline"].id, client=client.id,
                       location=location.id, technician=technician.id, service=service.id,
                       online_devices=[d.id for d in devices[:online]],
                       offline_device=devices[online].id)
    # The offline producer's events: one closed order and the rest as its rows, as
    # bench.rzs_send does for its batches.
    order_id = closed_order(app, ids, ids["offline_device"], clock.today())
    with app.app_context(), tenancy.use_tenant(tenant_id):
        now = datetime.now(UTC)
        rows = [{"tenant_id": tenant_id, "order_id": order_id, "producer_id": ids["producer"],
                 "event_id": e["id"], "kind": "PU", "status": "pending", "payload": e,
                 "attempts": 0, "created_at": now, "updated_at": now, "reply_tokens": "",
                 "reply_text": "", "meaning": "", "last_error": ""}
                for e in make_events(3_000_000, offline - 1, seal=SEAL, tag="C")]
        db.session.execute(insert(Transmission), rows)
        db.session.commit()
        db.session.remove()
    return app, ids


def start_batch(app, ids) -> int:
    from app import clock, jobs, tenancy
    from app.extensions import db
    from app.models import JobKind
    from workers import jobs as job_queue

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        today = clock.today().isoformat()
        row = jobs.new(JobKind.RZS_BATCH, None, producer_id=ids["producer"],
                       **{"from": today, "to": today})
        db.session.commit()
        if not job_queue.start(row):
            raise SystemExit("the batch could not be queued")
        job_id = row.id
        db.session.remove()
    return job_id


def statuses(app, ids) -> dict[str, str]:
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Transmission

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        found = {event_id: status for event_id, status in db.session.execute(
            select(Transmission.event_id, Transmission.status))}
        db.session.remove()
    return found


def job_status(app, ids, job_id: int) -> str:
    from app import tenancy
    from app.extensions import db
    from app.models import Job

    with app.app_context(), tenancy.use_tenant(ids["tenant"]):
        status = db.session.get(Job, job_id).status
        db.session.remove()
    return status


class Closer(threading.Thread):
    """Closes the online orders one after another over `seconds`, as the office would; a
    close that meets a locked SQLite database is tried again."""

    def __init__(self, app, ids, seconds: float):
        super().__init__(daemon=True)
        self.app, self.ids, self.seconds = app, ids, seconds
        self.closed = self.retries = 0

    def run(self) -> None:
        from sqlalchemy.exc import OperationalError

        from app import clock

        devices = self.ids["online_devices"]
        began = time.monotonic()
        for n, device_id in enumerate(devices):
            time.sleep(max(0.0, began + n * self.seconds / len(devices) - time.monotonic()))
            while True:
                try:
                    closed_order(self.app, self.ids, device_id, clock.today())
                    break
                except OperationalError:
                    self.retries += 1
                    time.sleep(0.2)
            self.closed += 1


def run(args) -> dict:
    from tests.services import free_port, start_postgres

    with tempfile.TemporaryDirectory(prefix="plomba-chaos-") as tmp:
        directory = Path(tmp)
        directory.chmod(0o755)  # PostgreSQL's cluster below belongs to the postgres user
        (directory / "logs").mkdir()
        registry = Registry(directory, free_port())
        redis = Redis(directory)
        workers = postgres = None
        try:
            postgres = start_postgres(directory / "pg") if args.db == "postgres" else None
            db_url = postgres.url if postgres else f"sqlite:///{directory / 'plomba.db'}"
            app, ids = setup(db_url, redis.url, registry.url, directory / "instance",
                             args.online, args.offline)
            total = args.online + args.offline
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            registry.faults(FAULTS)
            log(f"{total} events ({args.online} online orders, a batch of {args.offline}); "
                f"{args.db}; faults {FAULTS}")
            began = time.monotonic()
            workers = Workers(env, args.backoff_cap, directory / "logs")
            closer = Closer(app, ids, 60)
            closer.start()

            def at(second: float) -> None:
                time.sleep(max(0.0, began + second - time.monotonic()))

            at(2)
            batch = start_batch(app, ids)
            log("batch started")
            kills = iter([(10, 0), (20, 1), (38, 0), (52, 1)])
            timeline = [*[(t, f"kill -9 worker {s}", lambda s=s: workers.kill(s))
                          for t, s in kills],
                        (30, "Redis restarted with its data", lambda: redis.restart(True)),
                        (45, "Redis restarted without its data", lambda: redis.restart(False)),
                        (65, "registry down", registry.kill)]
            for second, name, action in sorted(timeline, key=lambda item: item[0]):
                at(second)
                done = action()
                log(f"t={second}: {name}" + (f" ({done})" if done else "")
                    + f"; Redis keys now {redis.keys()}")
            at(95)
            registry.start()  # with its data and no faults
            last_fault = time.monotonic()
            log("t=95: registry back, faults off: the last fault has ended")
            closer.join()
            settle, found = None, {}
            deadline = last_fault + max(3 * args.settle_limit, 300)
            while time.monotonic() < deadline:
                found = statuses(app, ids)
                waiting = sum(s in ("pending", "sending") for s in found.values())
                if len(found) == total and not waiting:
                    settle = time.monotonic() - last_fault
                    break
                time.sleep(0.5)
            batch_status = job_status(app, ids, batch)
        finally:
            if workers is not None:
                workers.stop()
            redis.stop()
            registry.kill()
            if postgres is not None:
                postgres.stop()
        counts = registry.counts()
    stored = counts["stored"]
    delivered = {e for e, s in found.items() if s == "delivered"}
    wrong = {e for e, s in found.items() if (s == "delivered") != (e in stored)
             or s in ("rejected", "unknown", "held")}
    return {
        "events": total, "rows": len(found),
        "lost": total - len(set(found) & set(stored) & delivered),
        "stored_twice": sum(1 for n in stored.values() if n > 1),
        "duplicate_posts": counts["received"] - len(stored),
        "wrong_status": len(wrong),
        "settle_s": settle,
        "requests": counts["requests"], "replies_lost": counts["replies_lost"],
        "kills": workers.killed, "horses_killed": workers.horses_killed,
        "worker_starts": workers.starts,
        "closed": closer.closed, "close_retries": closer.retries, "batch_job": batch_status,
        "pending_left": sum(s in ("pending", "sending") for s in found.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--online", type=int, default=500)
    parser.add_argument("--offline", type=int, default=500)
    parser.add_argument("--settle-limit", type=float, default=120)
    parser.add_argument("--backoff-cap", type=float, default=60)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    result = run(args)
    load = os.getloadavg()
    print(f"machine load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min), "
          f"{os.cpu_count()} cores")
    print(json.dumps(result))
    settle = result["settle_s"]
    print(f"{args.db}: {result['events']} events: lost {result['lost']}, stored twice "
          f"{result['stored_twice']}, duplicate POSTs {result['duplicate_posts']}, wrong status "
          f"{result['wrong_status']}, settled "
          + (f"{settle:.1f} s after the last fault" if settle is not None else "NEVER")
          + f" ({result['requests']} requests stored, {result['kills']} kills of which "
          f"{result['horses_killed']} took a work horse, "
          f"{result['worker_starts']} worker starts)")
    failures = [name for name in ("lost", "stored_twice", "wrong_status") if result[name]]
    if settle is None or settle > args.settle_limit:
        failures.append(f"settle time over {args.settle_limit:.0f} s")
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
