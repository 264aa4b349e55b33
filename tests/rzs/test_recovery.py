"""Liveness with real processes (issue 18): a real Redis of the test's own (so it can be
restarted without its data), real `python -m workers` processes killed with SIGKILL, the real
emulator. The production cadence is kept (a sweep every minute, checks every 15 s): what is
measured is what a deployment gets.

These tests exercise Redis, rq and processes, not SQL: they run in one pass of scripts/test.sh
(PostgreSQL, the production database) and whenever pytest runs without a pass set. The idle
worker of ten minutes is `slow` (not in the default run): `bash scripts/test.sh
tests/rzs/test_recovery.py -m slow`.
"""

import os
import subprocess
import time
from collections import Counter

import pytest
from rq import Worker
from rq.job import Job as RqJob
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

import workers
from app import clock
from app.extensions import db
from app.models import Transmission
from tests.rzs.conftest import kill_worker, start_worker
from tests.services import free_port, start_redis
from workers import RZS, queue, redis_connection
from workers.rzs import SWEEPER_ID

pytestmark = pytest.mark.skipif(
    os.environ.get("PLOMBA_TEST_PASS") not in (None, "postgres"),
    reason="processes and Redis, not SQL: run once, in the PostgreSQL pass")

DELIVERY_LIMIT = 90  # seconds from the close, as the issue asks


class OwnRedis:
    """A Redis server for one test, which the app and the workers it starts use."""

    def __init__(self, app, workdir, monkeypatch):
        self.app, self.workdir, self.restarts = app, workdir, 0
        self.server = start_redis(workdir / "redis")
        self.port = int(self.server.url.rsplit(":", 1)[1].split("/")[0])
        self.monkeypatch = monkeypatch
        self.use(self.server.url)

    def use(self, url: str) -> None:
        self.monkeypatch.setitem(self.app.config, "REDIS_URL", url)
        self.app.extensions.pop("plomba_fast_redis", None)
        self.monkeypatch.setattr(workers, "_connections", {})

    def restart_empty(self) -> None:
        """Stopped, then started on the same port with nothing of what it held."""
        self.server.stop()
        self.restarts += 1
        self.server = start_redis(self.workdir / f"redis{self.restarts}", port=self.port)

    def stop(self) -> None:
        self.server.stop()
        self.app.extensions.pop("plomba_fast_redis", None)


@pytest.fixture
def own_redis(app, tmp_path, monkeypatch):
    server = OwnRedis(app, tmp_path, monkeypatch)
    yield server
    server.stop()


@pytest.fixture
def processes(tmp_path):
    """Workers started by a test, each in a session of its own, their output in the test's
    directory (worker-N.log, shown when the test fails); all killed at the end."""
    started = []
    yield started
    for n, _process in enumerate(started):
        lines = (tmp_path / f"worker-{n}.log").read_text().splitlines()
        print(f"--- worker {n}:", *[line for line in lines if line[:1].isdigit()][-30:],
              sep="\n")
    for process in started:
        if process.poll() is None:
            kill_worker(process)


def _worker(app, processes, log_dir):
    log = open(log_dir / f"worker-{len(processes)}.log", "w")  # noqa: SIM115 - the process's
    process = start_worker(app, "rzs", start_new_session=True, stdout=log,
                           stderr=subprocess.STDOUT)
    log.close()  # the process has its own copy
    processes.append(process)
    return process


def _poll(condition, limit: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + limit
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:.0f} s")
        time.sleep(every)


def _close_while_redis_is_away(rzs, own_redis) -> int:
    """An order closed while the web cannot reach Redis: its row waits in the database and no
    job is queued for it."""
    own_redis.use(f"redis://127.0.0.1:{free_port()}/0")
    try:
        order_id = rzs.closed_order()
    finally:
        own_redis.use(own_redis.server.url)
    assert [r["status"] for r in rzs.rows(order_id)] == ["pending"]
    return order_id


def _delivered(rzs, order_id: int) -> bool:
    return [r["status"] for r in rzs.rows(order_id)] == ["delivered"]


def _stored_once(rzs) -> None:
    counts = Counter(e["id"] for e in rzs.emulator.events())
    assert set(counts.values()) == {1}, counts


def _sweeper_status(connection) -> str | None:
    try:
        return RqJob.fetch(SWEEPER_ID, connection=connection).get_status(refresh=True)
    except Exception:  # noqa: BLE001 - no such job (yet)
        return None


def test_a_worker_killed_in_the_sweep_then_an_order_closed_without_redis(rzs, own_redis,
                                                                          processes):
    """The sweeper's job is killed (kill -9 of the worker, its horse and its scheduler) while
    the sweep waits on the database; an order closed meanwhile without Redis is delivered
    within 90 s by a new worker, as is a row the dead sweep left "sending"."""
    connection = redis_connection(own_redis.server.url)
    stuck_order = rzs.closed_order(day=clock.today().replace(day=1))
    rzs.work()  # delivered; then made to look like a send a dead worker left behind
    with rzs.ctx():
        db.session.execute(update(Transmission).where(Transmission.order_id == stuck_order)
                           .values(status="sending", sent_at=clock.now().replace(year=2000)))
        db.session.commit()
    queue(RZS, connection).enqueue("workers.rzs.sweep", job_id=SWEEPER_ID)
    with rzs.ctx():
        # The row is locked (an open write on it) so the sweep waits inside its body.
        db.session.execute(update(Transmission).where(Transmission.order_id == stuck_order)
                           .values(last_error=""))
        worker = _worker(rzs.app, processes, own_redis.workdir)
        # Only the running sweep schedules a successor (the worker's start found it queued).
        registry = ScheduledJobRegistry(RZS, connection=connection)
        _poll(lambda: SWEEPER_ID in registry.get_job_ids(), 60, "the sweep running")
        kill_worker(worker)  # its horse in the sweep, its scheduler
        db.session.rollback()
    closed_at = time.monotonic()
    order_id = _close_while_redis_is_away(rzs, own_redis)
    _worker(rzs.app, processes, own_redis.workdir)
    _poll(lambda: _delivered(rzs, order_id), DELIVERY_LIMIT - (time.monotonic() - closed_at),
          "the order closed without Redis delivered", every=0.5)
    assert _delivered(rzs, stuck_order)
    _stored_once(rzs)


def test_redis_restarted_without_its_data_then_an_order_closed_meanwhile(rzs, own_redis,
                                                                          processes):
    """Redis goes down (the order closes meanwhile) and comes back empty: no sweeper chain,
    no scheduler lock, no jobs. The worker reconnects and its check starts a sweep at once."""
    _worker(rzs.app, processes, own_redis.workdir)
    connection = redis_connection(own_redis.server.url)
    registry = ScheduledJobRegistry(RZS, connection=connection)
    # The first sweep has ended, its successor waits and the worker is back in its loop, idle.
    # (A Redis lost while a job runs or is being recorded makes rq's worker quit; its restart
    # policy starts it again, README.)
    _poll(lambda: SWEEPER_ID in registry.get_job_ids()
          and _sweeper_status(connection) == "finished"
          and [w.get_state() for w in Worker.all(connection=connection)] == ["idle"],
          60, "the first sweep")
    own_redis.server.stop()
    closed_at = time.monotonic()
    order_id = _close_while_redis_is_away(rzs, own_redis)
    own_redis.restart_empty()
    _poll(lambda: _delivered(rzs, order_id), DELIVERY_LIMIT - (time.monotonic() - closed_at),
          "the order closed while Redis was down delivered", every=0.5)
    _stored_once(rzs)


@pytest.mark.slow
def test_an_idle_worker_sweeps_every_minute_for_ten_minutes(rzs, own_redis, processes):
    """Nothing to do for ten minutes: the sweeps still come, one a minute (rq's idle worker
    used to wake up only every ~405 s)."""
    _worker(rzs.app, processes, own_redis.workdir)
    connection = redis_connection(own_redis.server.url)
    ends = []
    deadline = time.monotonic() + 10 * 60 + 30
    while time.monotonic() < deadline:
        try:
            ended = RqJob.fetch(SWEEPER_ID, connection=connection).ended_at
        except Exception:  # noqa: BLE001 - between a sweep and its successor's record
            ended = None
        if ended is not None and (not ends or ended != ends[-1]):
            ends.append(ended)
        time.sleep(1)
    gaps = [(b - a).total_seconds() for a, b in zip(ends, ends[1:], strict=False)]
    assert len(ends) >= 10, ends
    assert max(gaps) <= 75, gaps
    with rzs.ctx():
        assert db.session.scalar(select(Transmission.id).where(
            Transmission.status == "pending")) is None
