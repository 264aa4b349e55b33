"""Faults between Plomba and the registry: nothing lost, nothing duplicated in the registry."""

import os
import signal
import time
from collections import Counter
from datetime import timedelta

from app import clock
from app.rzs import dispatch
from tests.rzs.conftest import kill_worker, start_worker
from tests.services import start_redis
from workers.rzs import sweep_once


def _stored_once(rzs, expected: int) -> None:
    events = rzs.emulator.events()
    counts = Counter(e["id"] for e in events)
    assert len(events) == expected and set(counts.values()) == {1}, counts


def test_30_percent_of_replies_500(rzs):
    rzs.emulator.faults(fail_share=0.3, seed=3)
    orders = [rzs.closed_order(day=clock.today() - timedelta(days=i)) for i in range(20)]
    rzs.work(until_settled=True, timeout=60)
    rows = rzs.rows()
    assert len(rows) == 20 and {r["status"] for r in rows} == {"delivered"}
    assert any(r["attempts"] > 1 for r in rows), "the fault share should have hit some"
    assert len(orders) == 20
    _stored_once(rzs, 20)


def test_429_bursts_honour_retry_after(rzs):
    rzs.emulator.faults(throttle=2, throttle_every=3, retry_after=2)
    order_id = rzs.closed_order()
    before = clock.now().timestamp()  # the backoff counts from the app's clock
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "pending" and "429" in row["error"]
    assert row["next_attempt_at"].timestamp() >= before + 2 - 0.1  # not sooner than Retry-After
    rzs.work(until_settled=True, timeout=30)
    assert rzs.rows(order_id)[0]["status"] == "delivered"
    _stored_once(rzs, 1)


def test_429_with_retry_after_as_an_http_date(rzs):
    """RFC 9110 allows `Retry-After: Fri, 20 Nov 2026 09:15:05 GMT`: the wait is measured
    against the reply's Date header, so the registry's clock is compared with itself."""
    rzs.emulator.faults(throttle=1, throttle_every=2, retry_after=5, retry_after_date=True)
    order_id = rzs.closed_order()
    before = clock.now().timestamp()
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "pending" and "429" in row["error"]
    # Whole seconds on the wire: at least 4 of the 5 seconds asked for (backoff alone: < 1.2).
    assert row["next_attempt_at"].timestamp() >= before + 4 - 0.1
    rzs.work(until_settled=True, timeout=30)
    assert rzs.rows(order_id)[0]["status"] == "delivered"
    _stored_once(rzs, 1)


def test_reply_lost_after_storing_counts_as_delivered_on_resend(rzs):
    rzs.emulator.faults(lose_reply_share=1.0)
    order_id = rzs.closed_order()
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "pending" and "przerwane" in row["error"]
    _stored_once(rzs, 1)  # the registry has it, Plomba does not know yet
    rzs.emulator.faults()
    rzs.work(until_settled=True)
    [row] = rzs.rows(order_id)
    assert (row["status"], row["tokens"]) == ("delivered", "Kasa PU")
    assert "już istnieje w ewidencji (nie dodano)" in row["meaning"]
    _stored_once(rzs, 1)


def test_redis_down_while_orders_close_then_the_sweeper_sends(rzs, app, tmp_path, monkeypatch):
    import workers

    server = start_redis(tmp_path / "redis")
    monkeypatch.setitem(app.config, "REDIS_URL", server.url)
    app.extensions.pop("plomba_fast_redis", None)
    monkeypatch.setattr(workers, "_connections", {})
    server.stop()
    started = time.monotonic()
    orders = [rzs.closed_order(day=clock.today() - timedelta(days=i)) for i in range(3)]
    assert time.monotonic() - started < 15, "closing must not hang on a dead Redis"
    assert {r["status"] for r in rzs.rows()} == {"pending"}
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    server = start_redis(tmp_path / "redis2", port=port)
    try:
        with rzs.app.app_context():
            assert sweep_once()["enqueued"] == 1  # one job for the producer's three orders
        rzs.work(until_settled=True)
        assert {r["status"] for r in rzs.rows()} == {"delivered"}
        assert len(orders) == 3
        _stored_once(rzs, 3)
    finally:
        server.stop()
        app.extensions.pop("plomba_fast_redis", None)


def test_worker_killed_mid_job(rzs, app, monkeypatch):
    rzs.emulator.faults(latency_ms=4000)
    worker = start_worker(app, "rzs", start_new_session=True)
    try:
        order_id = rzs.closed_order()
        deadline = time.monotonic() + 30
        while rzs.rows(order_id)[0]["status"] != "sending":
            assert time.monotonic() < deadline, "the worker never took the job"
            time.sleep(0.1)
        kill_worker(worker)  # with its work horse
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert rzs.rows(order_id)[0]["status"] == "sending"
    rzs.emulator.faults()
    time.sleep(4.5)  # the registry finishes the request it had received
    monkeypatch.setattr(dispatch, "STUCK_AFTER", timedelta(0))
    with rzs.ctx():
        result = dispatch.sweep()
    assert result["rescued"] == 1
    rzs.work(until_settled=True)
    [row] = rzs.rows(order_id)
    assert row["status"] == "delivered" and row["tokens"] in ("Kasa PU",
                                                              "+Kasa +Podatnik +Lokalizacja +PU")
    _stored_once(rzs, 1)
