""""Stan systemu" in the operators' console (issue 18): queues, workers and their heartbeat,
the last sweep, the oldest waiting event, failures of the last day, per company counts; what
comes from the database still shows when Redis is unreachable."""

from datetime import timedelta

import pytest
from rq import SimpleWorker, Worker
from sqlalchemy import select, update

from app import clock, heartbeats, tenancy
from app.extensions import db
from app.models import Job, Party, Transmission
from tests import factories
from tests.platform.operators import sign_in_operator
from workers import DEFAULT, RZS, queue, redis_connection

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def _data(app, tenant_a, tenant_b):
    """Tenant A: one pending event of an online producer (3 hours old), one rejected, a job row
    that failed an hour ago; tenant B: nothing waiting. The sweeper ran two minutes ago."""
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        factories.populate(tenant_b, "Beta")
        with tenancy.use_tenant(tenant_b.id):
            db.session.execute(update(Transmission).values(status="delivered"))
            db.session.commit()
        with tenancy.use_tenant(tenant_a.id):
            row = db.session.scalars(select(Transmission)).one()
            row.created_at = clock.now() - timedelta(hours=3)
            assert db.session.get(Party, row.producer_id).online
            db.session.add(Transmission(order_id=row.order_id, producer_id=row.producer_id,
                                        event_id="T-rejected", kind="PU", status="rejected"))
            db.session.commit()
        job_id = factories.make_job(tenant_a, "rzs_ping", producer_id=1)
        with tenancy.use_tenant(tenant_a.id):
            job = db.session.get(Job, job_id)
            job.status, job.finished_at = "failed", clock.now() - timedelta(hours=1)
            job.error = "Traceback (most recent call last):\nRuntimeError: rejestr milczy"
            db.session.commit()
        with clock.shifted_to(clock.now() - timedelta(minutes=2)):
            heartbeats.beat(heartbeats.RZS_SWEEP, {"rescued": 1, "enqueued": 4, "requeued": 0})


def _rq_data(app, redis_client):
    """A worker that beats, a job waiting in the rzs queue, one that failed in "default"."""
    redis_client.flushdb()
    with app.app_context():
        connection = redis_connection()
        failing = queue(DEFAULT, connection)
        failing.enqueue("builtins.int", "nie-liczba", description="liczenie")
        SimpleWorker([failing], connection=connection).work(burst=True)
        queue(RZS, connection).enqueue("builtins.len", "abc", job_id="czeka-w-rzs")
        worker = Worker([queue(RZS, connection)], connection=connection, name="robot-1")
        worker.register_birth()
        worker.set_state("idle")
        worker.heartbeat()
        return worker


def test_an_operator_sees_the_state_of_the_system(app, client, tenant_a, tenant_b,
                                                  redis_client):
    _data(app, tenant_a, tenant_b)
    _rq_data(app, redis_client)
    sign_in_operator(app, client)
    menu = client.get("/platform").get_data(as_text=True)
    assert 'href="/platform/stan"' in menu
    page = client.get("/platform/stan").get_data(as_text=True)
    assert "Stan systemu" in page and "Redis jest nieosiągalny" not in page
    # The last sweep: its age and what it did, dated the Polish way.
    assert "2 min" in page and "ponownie w kolejce 4" in page
    assert clock.now().astimezone(clock.WARSAW).strftime("%d.%m.%Y") in page
    # The oldest event the sweeper is to send, with its company.
    assert "3 godz." in page
    # Queues: one job waits in "Wysyłki do RZS", one failed in "Pozostałe".
    assert "Wysyłki do RZS" in page and "Pozostałe" in page
    # The worker and its heartbeat, just now.
    assert "robot-1" in page and "czeka na zadania" in page and "brak sygnału" not in page
    # Failures of the last day, from rq and from the job rows, with their errors.
    assert "liczenie" in page and "invalid literal" in page
    assert "Test połączenia z RZS" in page and "RuntimeError: rejestr milczy" in page
    # Per company: Alfa has one pending and one rejected; Beta has nothing waiting.
    assert "Serwis Alfa" in page and "Serwis Beta" not in page
    assert 'style=' not in page


def test_the_page_shows_the_database_when_redis_is_unreachable(app, client, tenant_a, tenant_b,
                                                               monkeypatch):
    _data(app, tenant_a, tenant_b)
    sign_in_operator(app, client)
    monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
    response = client.get("/platform/stan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Redis jest nieosiągalny" in page
    assert "ponownie w kolejce 4" in page and "3 godz." in page and "Serwis Alfa" in page
    assert "RuntimeError: rejestr milczy" in page
    assert "robot-1" not in page


def test_a_late_sweep_and_a_silent_worker_are_marked(app, client, tenant_a, redis_client):
    with app.app_context():
        with clock.shifted_to(clock.now() - timedelta(minutes=10)):
            heartbeats.beat(heartbeats.RZS_SWEEP, {"rescued": 0, "enqueued": 0})
    worker = _rq_data(app, redis_client)
    with app.app_context():
        # rq stamps heartbeats with the real time; an old one is written as rq writes it.
        from rq.utils import now, utcformat

        redis_client.hset(worker.key, "last_heartbeat", utcformat(now() - timedelta(minutes=5)))
    sign_in_operator(app, client)
    page = client.get("/platform/stan").get_data(as_text=True)
    assert "10 min" in page and "tile-warn" in page
    assert "brak sygnału" in page


@pytest.mark.parametrize("who", ["anonymous", "tenant user"])
def test_others_do_not_find_the_status_page(app, client, tenant_a, login, who):
    if who == "tenant user":
        login(tenant_a.owner_email)
    assert client.get("/platform/stan").status_code == 404


def test_a_sweep_records_its_run(app, redis_client):
    from workers.rzs import sweep

    redis_client.flushdb()
    with app.app_context():
        assert heartbeats.last(heartbeats.RZS_SWEEP) is None
        result = sweep()
        beat = heartbeats.last(heartbeats.RZS_SWEEP)
        assert beat is not None and beat.detail == result
        assert clock.now() - beat.beat_at < timedelta(seconds=30)
