"""Large exports run as a job on the `reports` queue (a real Redis, a burst worker in-process):
progress, then a download link that only the job's tenant can follow. The job is a row: its
status and result survive a Redis flush."""

import io
import os
from datetime import timedelta

import openpyxl
import pytest
from rq import SimpleWorker

from app import clock
from app.reports import export
from tests.reports.conftest import FROM, TO
from workers import REPORTS, queue, redis_connection

GOOD = {"kind": "services", "date_from": FROM.isoformat(), "date_to": TO.isoformat(),
        "producer_id": "", "fmt": "xlsx", "by_producer": "y"}


def work(app) -> None:
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue(REPORTS, connection)], connection=connection).work(burst=True)


@pytest.fixture
def big_report(monkeypatch, redis_client):
    monkeypatch.setitem(export.SYNC_LIMITS, "xlsx", 2)
    monkeypatch.setitem(export.SYNC_LIMITS, "pdf", 2)


def _start(client, data=GOOD, url="/raporty/eksport") -> str:
    response = client.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert "job=" in location
    return location.split("job=")[1]


def test_large_export_runs_as_job_with_progress_and_download(
        app, client, login, report_data, tenant_a, big_report):
    login(tenant_a.owner_email)
    job_id = _start(client)
    page = client.get(f"/raporty/?job={job_id}").get_data(as_text=True)
    assert "Przygotowanie eksportu" in page or "Zapisano" in page
    assert f"/raporty/eksport/{job_id}" in page  # the partial polls itself
    assert client.get(f"/raporty/eksport/{job_id}/plik").status_code == 404  # not done yet

    work(app)

    partial = client.get(f"/raporty/eksport/{job_id}").get_data(as_text=True)
    assert "Gotowe:" in partial and "4 pozycji" in partial
    assert f"/raporty/eksport/{job_id}/plik" in partial and "hx-get" not in partial
    response = client.get(f"/raporty/eksport/{job_id}/plik")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=raport-uslugi-20260301-20260331.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    names = [row[3] for row in sheet.iter_rows(values_only=True)]
    assert "Naprawa głowicy" in names and "Usługa Beta" not in names
    # The file lives in the tenant's own folder under EXPORT_DIR.
    from pathlib import Path

    files = list(Path(app.config["EXPORT_DIR"], str(tenant_a.id)).glob(f"{job_id}-*.xlsx"))
    assert files


def test_progress_and_result_are_recorded_in_the_job_row(app, client, login, report_data,
                                                         tenant_a, big_report):
    from app import tenancy
    from app.extensions import db
    from app.models import Job

    login(tenant_a.owner_email)
    job_id = _start(client, GOOD | {"fmt": "pdf"}, url="/raporty/druk")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        job = db.session.get(Job, int(job_id))
        assert (job.status, job.kind, job.params["fmt"]) == ("queued", "report_export", "pdf")
        assert job.rq_id and job.created_by_id is not None and job.started_at is None
    work(app)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        job = db.session.get(Job, int(job_id))
        assert (job.status, job.done, job.total, job.error) == ("finished", 4, 4, "")
        assert job.result == {"rows": 4, "format": "pdf"}
        assert job.result_name == "raport-uslugi-20260301-20260331.pdf"
        assert job.started_at <= job.finished_at
    response = client.get(f"/raporty/eksport/{job_id}/plik")
    assert response.data.startswith(b"%PDF")


def test_status_and_result_survive_a_redis_flush(app, client, login, report_data, tenant_a,
                                                 big_report, redis_client):
    login(tenant_a.owner_email)
    waiting = _start(client)
    redis_client.flushall()  # the queued job is gone from Redis; its row still says queued
    page = client.get(f"/raporty/?job={waiting}").get_data(as_text=True)
    assert "Przygotowanie eksportu" in page

    job_id = _start(client)
    work(app)
    redis_client.flushall()  # rq's results and meta are gone
    partial = client.get(f"/raporty/eksport/{job_id}").get_data(as_text=True)
    assert "Gotowe:" in partial and "4 pozycji" in partial
    assert client.get(f"/raporty/eksport/{job_id}/plik").status_code == 200


def test_malformed_or_unknown_job_ids_are_not_found(client, login, report_data, tenant_a):
    login(tenant_a.owner_email)
    for bad in ("abc", "1e3", "-1", "99999", "%2e%2e"):
        assert client.get(f"/raporty/eksport/{bad}").status_code == 404, bad
        assert client.get(f"/raporty/eksport/{bad}/plik").status_code == 404, bad
        assert client.get(f"/raporty/email/{bad}").status_code == 404, bad
        assert client.get(f"/wysylka/zadania/{bad}").status_code == 404, bad
    page = client.get("/raporty/?job=abc%22%3E")
    assert page.status_code == 200 and "Eksport raportu" not in page.get_data(as_text=True)


def test_a_job_of_another_kind_is_not_found(app, client, login, report_data, tenant_a):
    from tests import factories

    with app.app_context():
        batch = factories.make_job(tenant_a)
    login(tenant_a.owner_email)
    assert client.get(f"/raporty/eksport/{batch}").status_code == 404
    assert client.get(f"/raporty/email/{batch}").status_code == 404
    assert client.get(f"/wysylka/zadania/{batch}").status_code == 200


def test_other_tenant_gets_404_for_progress_and_download(
        app, client, login, report_data, tenant_a, tenant_b, big_report):
    login(tenant_a.owner_email)
    job_id = _start(client)
    work(app)
    client.post("/logout")
    login(tenant_b.owner_email)
    assert client.get(f"/raporty/eksport/{job_id}").status_code == 404
    assert client.get(f"/raporty/eksport/{job_id}/plik").status_code == 404
    page = client.get(f"/raporty/?job={job_id}").get_data(as_text=True)
    assert "Eksport raportu" not in page


def test_redis_away_says_so_and_the_row_says_it_never_ran(app, client, login, report_data,
                                                          tenant_a, big_report, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    import workers.jobs
    from app import tenancy
    from app.extensions import db
    from app.models import Job

    def refuse(*_a, **_k):
        raise RedisDown("redis away")

    monkeypatch.setattr(workers.jobs, "web_connection", refuse)
    login(tenant_a.owner_email)
    response = client.post("/raporty/eksport", data=GOOD, follow_redirects=True)
    assert "Kolejka zadań jest chwilowo niedostępna" in response.get_data(as_text=True)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        [job] = db.session.scalars(db.select(Job)).all()
        assert job.status == "failed" and "niedostępna" in job.error and job.rq_id is None


def test_render_works_in_a_job_context(app, report_data, tenant_a):
    """The mail job's call: render(ReportParams.from_dict(d), fmt) inside use_tenant."""
    from app import tenancy
    from app.reports.params import ReportParams

    d = ReportParams("devices", FROM, TO, report_data.elzab, False).to_dict()
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        name, mimetype, data = export.render(ReportParams.from_dict(d), "csv")
    assert name == "raport-dane-kas-20260301-20260331.csv"
    assert "ELZ0000000001" in data.decode("utf-8-sig") and "ZBF" not in data.decode("utf-8-sig")


def test_files_older_than_a_day_are_removed_by_the_next_export(app, tenant_a, report_data):
    import os
    import time

    from app import jobs, tenancy
    from app.extensions import db
    from app.models import JobKind
    from workers import jobs as job_queue
    from workers import reports as report_jobs

    with app.app_context():
        directory = report_jobs.export_dir(tenant_a.id)
        old, fresh = directory / "old.csv", directory / "fresh.csv"
        old.write_text("x")
        fresh.write_text("x")
        os.utime(old, (time.time() - 2 * 86400,) * 2)
        params = {"kind": "services", "date_from": "2026-03-01", "date_to": "2026-03-31"}
        with tenancy.use_tenant(tenant_a.id):
            job_id = jobs.new(JobKind.REPORT_EXPORT, None, report=params, fmt="csv").id
            db.session.commit()
        result = job_queue.run(job_id)  # as the worker calls it, outside any tenant
        assert job_queue.run(job_id) == result  # a second delivery does not run it again
    assert not old.exists() and fresh.exists()
    assert result == {"rows": 4, "format": "csv"}
    assert len(list(directory.glob(f"{job_id}-*.csv"))) == 1


def test_a_suspended_tenants_export_does_not_run(app, client, login, report_data, tenant_a,
                                                 big_report):
    """Suspended after the export was queued: the job ends without touching the data, and
    after the resume the page says so instead of offering a file."""
    from app import tenancy
    from app.extensions import db
    from app.models import Job, Tenant

    login(tenant_a.owner_email)
    job_id = _start(client)

    def set_suspended(when):
        with app.app_context(), tenancy.use_tenant(tenant_a.id):
            db.session.get(Tenant, tenant_a.id).suspended_at = when
            db.session.commit()

    set_suspended(clock.now())
    work(app)
    set_suspended(None)  # the browser's session was refused meanwhile, and now works again
    partial = client.get(f"/raporty/eksport/{job_id}").get_data(as_text=True)
    assert "konto firmy było wtedy zawieszone" in partial and "Pobierz" not in partial
    assert client.get(f"/raporty/eksport/{job_id}/plik").status_code == 404
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        job = db.session.get(Job, int(job_id))
        assert (job.status, job.started_at, job.result_path) == ("failed", None, None)


def test_the_sweeper_queues_again_a_job_that_redis_lost_and_ends_one_whose_worker_died(
        app, client, login, report_data, tenant_a, big_report, redis_client):
    from app.extensions import db
    from app.models import Job, JobStatus
    from app.tenancy import use_tenant
    from workers import jobs

    login(tenant_a.owner_email)
    lost_in_redis = _start(client)
    died = _start(client)
    redis_client.flushall()
    later = clock.now() + jobs.QUEUED_GRACE + timedelta(seconds=1)
    with app.app_context():
        with use_tenant(tenant_a.id):
            row = db.session.get(Job, died)
            row.status, row.started_at = JobStatus.RUNNING.value, clock.now()
            db.session.commit()
        assert jobs.rescue(now=clock.now()) == {"requeued": 0, "lost": 0}  # not yet: grace
        assert jobs.rescue(now=later) == {"requeued": 1, "lost": 0}
        assert jobs.rescue(now=later) == {"requeued": 0, "lost": 0}  # Redis holds it now
        assert jobs.rescue(now=later + timedelta(hours=1)) == {"requeued": 0, "lost": 1}
    work(app)
    partial = client.get(f"/raporty/eksport/{lost_in_redis}").get_data(as_text=True)
    assert "Gotowe:" in partial
    with app.app_context(), use_tenant(tenant_a.id):
        row = db.session.get(Job, died)
        assert row.status == JobStatus.FAILED and row.error == jobs.LOST


def test_export_files_are_private(app, tenant_a, report_data):
    # Issue 11, item 14: the files were 0644 in a 0755 directory.
    import stat

    from app import jobs, tenancy
    from app.extensions import db
    from app.models import Job, JobKind
    from workers import jobs as job_queue
    from workers import reports as report_jobs

    params = {"kind": "services", "date_from": "2026-03-01", "date_to": "2026-03-31"}
    with app.app_context():
        for fmt in ("csv", "xlsx", "pdf"):
            with tenancy.use_tenant(tenant_a.id):
                job_id = jobs.new(JobKind.REPORT_EXPORT, None, report=params, fmt=fmt).id
                db.session.commit()
            job_queue.run(job_id)
            with tenancy.use_tenant(tenant_a.id):
                path = db.session.get(Job, job_id).result_path
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, fmt
        directory = report_jobs.export_dir(tenant_a.id)
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert stat.S_IMODE(directory.parent.stat().st_mode) == 0o700


def test_the_workers_maintenance_sweeps_old_exports_of_every_tenant(app, tenant_a, tenant_b,
                                                                    redis_client):
    # Before, a file went only at the same tenant's next export: never, for one that stopped.
    import time

    from workers import reports as report_jobs
    from workers.__main__ import PlombaWorker

    with app.app_context():
        old_a = report_jobs.export_dir(tenant_a.id) / "old.csv"
        old_b = report_jobs.export_dir(tenant_b.id) / "old.xlsx"
        fresh = report_jobs.export_dir(tenant_b.id) / "fresh.pdf"
        for path in (old_a, old_b, fresh):
            path.write_text("x")
        for path in (old_a, old_b):
            os.utime(path, (time.time() - report_jobs.KEEP_FILES - 60,) * 2)
        connection = redis_connection()
        PlombaWorker([queue(REPORTS, connection)], connection=connection) \
            .run_maintenance_tasks()
    assert not old_a.exists() and not old_b.exists() and fresh.exists()
