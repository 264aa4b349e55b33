"""Large exports run as a job on the `reports` queue (a real Redis, a burst worker in-process):
progress, then a download link that only the job's tenant can follow."""

import io

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

    files = list(Path(app.config["EXPORT_DIR"], str(tenant_a.id)).glob(f"{job_id}.xlsx"))
    assert files


def test_progress_is_recorded_in_job_meta(app, client, login, report_data, tenant_a, big_report):
    from rq.job import Job

    login(tenant_a.owner_email)
    job_id = _start(client, GOOD | {"fmt": "pdf"}, url="/raporty/druk")
    work(app)
    with app.app_context():
        job = Job.fetch(job_id, connection=redis_connection())
        assert job.meta["tenant_id"] == tenant_a.id
        assert (job.meta["done"], job.meta["total"]) == (4, 4)
        assert job.return_value()["format"] == "pdf"
    response = client.get(f"/raporty/eksport/{job_id}/plik")
    assert response.data.startswith(b"%PDF")


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


def test_redis_away_says_so_and_starts_nothing(client, login, report_data, tenant_a, big_report,
                                                monkeypatch):
    from app.reports import routes

    def refuse(*_a, **_k):
        raise ConnectionError("redis away")

    monkeypatch.setattr(routes.jobs, "start", refuse)
    login(tenant_a.owner_email)
    response = client.post("/raporty/eksport", data=GOOD, follow_redirects=True)
    assert "Kolejka zadań jest chwilowo niedostępna" in response.get_data(as_text=True)


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

    from workers import reports as report_jobs

    with app.app_context():
        directory = report_jobs.export_dir(tenant_a.id)
        old, fresh = directory / "old.csv", directory / "fresh.csv"
        old.write_text("x")
        fresh.write_text("x")
        os.utime(old, (time.time() - 2 * 86400,) * 2)
        params = {"kind": "services", "date_from": "2026-03-01", "date_to": "2026-03-31"}
        result = report_jobs.export_report(tenant_a.id, params, "csv")
    assert not old.exists() and fresh.exists()
    assert result["rows"] == 4 and result["filename"].endswith(".csv")


def test_a_suspended_tenants_export_does_not_run(app, client, login, report_data, tenant_a,
                                                 big_report):
    """Suspended after the export was queued: the job ends without touching the data, and
    after the resume the page says so instead of offering a file."""
    from pathlib import Path

    from app import tenancy
    from app.extensions import db
    from app.models import Tenant

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
    assert not list(Path(app.config["EXPORT_DIR"], str(tenant_a.id)).glob(f"{job_id}.*"))
