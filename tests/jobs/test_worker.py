"""rq on a real Redis: jobs run and return, the queues use the configured Redis, and the worker
entry (`python -m workers`) runs a job inside its app context."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rq import SimpleWorker
from rq.job import JobStatus

import workers
from tests.jobs import sample_jobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def default_queue(redis_client):
    q = workers.queue(workers.DEFAULT, connection=redis_client)
    q.empty()
    return q


def test_simple_worker_runs_a_job_and_keeps_its_return_value(default_queue, redis_client):
    job = default_queue.enqueue(sample_jobs.add, 2, 3)
    side = default_queue.enqueue(sample_jobs.record, "plomba:test:recorded", "tak")

    worked = SimpleWorker([default_queue], connection=redis_client).work(burst=True)

    assert worked is True
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 5
    assert side.return_value() == "tak"
    assert redis_client.get("plomba:test:recorded") == b"tak"


def test_queue_names_and_order():
    assert workers.QUEUE_NAMES == ("rzs", "mail", "reports", "default")
    with pytest.raises(ValueError):
        workers.queue("no-such-queue")


def test_queue_uses_the_configured_redis(app, redis_url, redis_client):
    with app.app_context():
        assert app.config["REDIS_URL"] == redis_url
        q = workers.queue("rzs")
        q.empty()
        kwargs = q.connection.connection_pool.connection_kwargs
        job = q.enqueue(sample_jobs.add, 1, 1)
    expected = redis_client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs.get("db", 0)) == (
        expected["host"],
        expected["port"],
        expected.get("db", 0),
    )
    # The job is really in that Redis, on the rzs queue.
    assert job.id.encode() in redis_client.lrange("rq:queue:rzs", 0, -1)


def test_worker_entry_runs_jobs_in_its_app_context(redis_url, redis_client, tmp_path):
    q = workers.queue(workers.RZS, connection=redis_client)
    q.empty()
    job = q.enqueue(sample_jobs.inside_worker_app, 7)
    env = {
        **os.environ,
        "PLOMBA_ENV": "testing",
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        "PLOMBA_INSTANCE_DIR": str(tmp_path / "instance"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "workers", "rzs", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED, done.stderr[-2000:]
    assert job.return_value() == {"env": "testing", "redis_url": redis_url, "db": 1, "tenant": 7}
