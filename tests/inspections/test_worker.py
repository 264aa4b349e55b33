"""The reminders' rq job: one chain under its fixed id, and a run sends the day's mail."""

from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from tests.inspections.conftest import configure_reminders
from workers import MAIL, queue, redis_connection
from workers import reminders as reminder_jobs


def test_one_chain_and_a_run_sends(app, due, tenant_a, mail_server, redis_client):
    redis_client.flushdb()
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
        connection = redis_connection()
        q = queue(MAIL, connection)
        assert reminder_jobs.ensure(connection, delay=0)
        assert not reminder_jobs.ensure(connection, delay=0)  # queued already: not twice
        assert q.job_ids == [reminder_jobs.REMINDERS_ID]
        SimpleWorker([q], connection=connection).work(burst=True)
        # The run scheduled its successor under the same id.
        assert reminder_jobs.REMINDERS_ID in ScheduledJobRegistry(queue=q).get_job_ids()
    assert len(mail_server.messages) == 2


def test_every_workers_maintenance_makes_sure_of_the_reminders_chain(app, redis_client,
                                                                     monkeypatch):
    from workers import __main__ as entry

    redis_client.flushdb()
    with app.app_context():
        connection = redis_connection()
        worker = entry.PlombaWorker([queue(MAIL, connection)], connection=connection)
        monkeypatch.setattr(entry, "_ensure_sweeper", lambda connection: None)
        monkeypatch.setattr(entry, "_sweep_exports", lambda: None)
        worker.run_maintenance_tasks()
        assert reminder_jobs.REMINDERS_ID in ScheduledJobRegistry(
            queue=queue(MAIL, connection)).get_job_ids()
