"""Periodic work that cannot go missing (issue 18), on the real Redis: one send job per order,
one sweeper chain under a fixed id that outlives a failed or killed sweep and a flushed Redis,
and workers that check on it at least every 30 s, idle or busy."""

from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry
from rq.utils import current_timestamp

from app import clock
from app.rzs import dispatch
from workers import RZS, queue, redis_connection
from workers.jobs import order_job_id
from workers.rzs import SWEEPER_ID, bring_forward, ensure_sweeper, producer_job_id, sweep_once


def _rzs_queue(app):
    with app.app_context():
        return queue(RZS, redis_connection())


def _scheduled(q) -> list[str]:
    return ScheduledJobRegistry(queue=q).get_job_ids()


def test_sweeps_while_the_orders_first_job_waits_add_one_job_and_no_request(rzs):
    """The sweeper queues at most one job per producer, however often it runs, and a job
    that finds its rows claimed by another sends nothing."""
    order_id = rzs.closed_order()
    q = _rzs_queue(rzs.app)
    assert q.job_ids == [order_job_id(rzs.tenant.id, order_id)]
    for _ in range(3):
        with rzs.app.app_context():
            sweep_once()
    assert q.job_ids == [order_job_id(rzs.tenant.id, order_id),
                         producer_job_id(rzs.tenant.id, rzs.ids["producer_id"])]
    rzs.work()
    assert [r["status"] for r in rzs.rows(order_id)] == ["delivered"]
    assert rzs.emulator.stats()["events_PU"] == 1
    assert rzs.emulator.stats()["requests"] == 1


def test_a_finished_send_job_is_replaced(rzs):
    order_id = rzs.closed_order()
    rzs.work()
    q = _rzs_queue(rzs.app)
    assert q.job_ids == []
    with rzs.app.app_context():
        from workers import jobs

        assert jobs.send_order(rzs.tenant.id, order_id) is True
    assert q.job_ids == [order_job_id(rzs.tenant.id, order_id)]


def test_after_redis_lost_its_data_one_sweep_is_queued_at_once(app, redis_client):
    """No chain at all means a sweep was missed: the workers' check queues one now, not in a
    minute; checks that follow (any worker) add nothing."""
    redis_client.flushall()
    q = _rzs_queue(app)
    with app.app_context():
        assert ensure_sweeper() is True
        assert ensure_sweeper() is False
        assert ensure_sweeper(redis_connection(), delay=60) is False
    assert _scheduled(q) == []
    assert q.job_ids == [SWEEPER_ID]


def test_a_queued_or_running_sweeper_is_not_doubled(app, redis_client):
    redis_client.flushall()
    q = _rzs_queue(app)
    job = q.enqueue("workers.rzs.sweep", job_id=SWEEPER_ID)
    with app.app_context():
        assert ensure_sweeper() is False
        q.remove(job)
        job.set_status("started")
        assert ensure_sweeper() is False  # a sweep is running: it schedules its successor
        job.set_status("failed")
        assert ensure_sweeper(delay=60) is True
    assert _scheduled(q) == [SWEEPER_ID]


def test_an_overdue_sweeper_is_queued_without_the_scheduler(app, redis_client):
    """rq's scheduler is dead or missing (a restart, a lock left by a killed worker): the
    sweeper it should have moved is put on the queue by the next check instead."""
    redis_client.flushall()
    q = _rzs_queue(app)
    with app.app_context():
        assert ensure_sweeper(delay=60) is True
        assert ensure_sweeper() is False  # scheduled: nothing more
        registry = ScheduledJobRegistry(queue=q)
        redis_client.zadd(registry.key, {SWEEPER_ID: current_timestamp() - 11})
        assert ensure_sweeper() is True
    assert _scheduled(q) == []
    assert q.job_ids == [SWEEPER_ID]


@pytest.mark.parametrize("body_fails", [False, True])
def test_a_sweep_schedules_the_next_one_first(rzs, redis_client, monkeypatch, body_fails):
    """The next sweep is scheduled before the body runs, so a sweep killed midway (or failing)
    leaves the chain going; and only one is scheduled."""
    q = _rzs_queue(rzs.app)
    seen = []

    def body(*_args, **_kwargs):
        seen.append(_scheduled(q))
        if body_fails:
            raise RuntimeError("the database went away")
        return {"rescued": 0, "producers": []}

    monkeypatch.setattr(dispatch, "sweep", body)
    redis_client.flushall()
    job = q.enqueue("workers.rzs.sweep", job_id=SWEEPER_ID)
    with rzs.app.app_context():
        SimpleWorker([q], connection=q.connection).work(burst=True)
    assert seen == [[SWEEPER_ID]]
    assert job.get_status() == ("failed" if body_fails else "finished")
    assert _scheduled(q) == [SWEEPER_ID]
    with rzs.app.app_context():
        assert ensure_sweeper() is False


def test_every_worker_checks_the_sweeper_at_least_every_30_seconds(app, redis_client,
                                                                    monkeypatch):
    from workers import __main__ as entry

    with app.app_context():
        connection = redis_connection()
        worker = entry.PlombaWorker([queue(RZS, connection)], connection=connection)
    # Idle: a dequeue waits at most this long, then maintenance runs if its interval passed.
    assert worker.dequeue_timeout + worker.maintenance_interval <= 30
    # Busy: the worker process wakes up every job_monitoring_interval while its horse works.
    assert worker.job_monitoring_interval <= 30
    calls = []
    monkeypatch.setattr(entry, "_ensure_sweeper", calls.append)
    monkeypatch.setattr("rq.worker.base.BaseWorker.maintain_heartbeats", lambda *a: None)
    worker.maintain_heartbeats(None, None)
    assert calls == [connection]


def test_the_next_sweep_comes_when_a_retry_is_due_not_a_minute_later(rzs, redis_client):
    """Retries live in the outbox rows; the sweeper's successor is moved to the earliest due
    one (no sooner than SWEEP_SOONEST), only earlier, and only if it exists."""
    rzs.emulator.faults(throttle=1, throttle_every=100, retry_after=20)
    order_id = rzs.closed_order()
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "pending" and "429" in row["error"]
    q = _rzs_queue(rzs.app)
    registry = ScheduledJobRegistry(queue=q)
    with rzs.app.app_context():
        wake = dispatch.next_wake()
        assert wake == row["next_attempt_at"]
        assert bring_forward(wake) is False  # no successor scheduled: nothing to move
        assert ensure_sweeper(delay=60) is True
        assert bring_forward(wake) is True
        due = redis_client.zscore(registry.key, SWEEPER_ID)
        assert current_timestamp() + 15 <= due <= current_timestamp() + 21
        assert bring_forward(wake + timedelta(seconds=30)) is False  # later: left alone
        assert bring_forward(clock.now()) is True  # due now: in SWEEP_SOONEST
        assert redis_client.zscore(registry.key, SWEEPER_ID) <= current_timestamp() + 5
    assert _scheduled(q) == [SWEEPER_ID]
