"""Raporty -> Raport ze zleceń: parameters, Podgląd (htmx, paginated), Druk (PDF inline),
Eksport do pliku (download, or a job with progress and a link when the report is large)."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from rq.exceptions import NoSuchJobError

from app import clock
from app.auth.access import roles_required
from app.htmx import is_htmx, vary
from app.orders import access
from app.reports import bp, export, queries
from app.reports.forms import ReportForm
from app.reports.params import ReportParams
from app.tenancy import current_tenant_id
from app.transmissions import jobs

PAGE_SIZE = 100
# These reports list every order's items and every taxpayer of the tenant.
office = roles_required(*access.REPORT_READERS)
JOB_KIND = "report_export"


def _default_form() -> ReportForm:
    today = clock.today()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return ReportForm(formdata=None, date_from=last_month_end.replace(day=1),
                      date_to=last_month_end)


def _page(form: ReportForm, status: int = 200, **context):
    template = "reports/_report.html" if is_htmx() else "reports/index.html"
    return vary(make_response(render_template(template, form=form, **context), status))


@bp.route("/")
@office
def index():
    job = _own_job(request.args["job"]) if request.args.get("job") else None
    return _page(_default_form(), progress=progress_context(job) if job else None)


@bp.route("/podglad")
@office
def preview():
    form = ReportForm(request.args)
    if not form.validate():
        # htmx swaps only 2xx: the errors are shown at the fields either way.
        return _page(form, 200 if is_htmx() else 422)
    params = form.params()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    total = queries.count(params)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    rows = list(queries.rows(params, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE))
    preview = {
        "params": params, "rows": rows, "total": total, "page": page, "pages": pages,
        "first_no": (page - 1) * PAGE_SIZE + 1, "columns": queries.COLUMNS[params.kind],
        "date_columns": queries.DATE_COLUMNS[params.kind],
        "head": queries.header(params) if params.by_producer else None,
        "counts": queries.counts_by_producer(params) if params.by_producer else {},
        "args": params.query_args(),
    }
    return _page(form, preview=preview)


@bp.route("/druk", methods=["POST"])
@office
def print_pdf():
    """Druk: the PDF inline, for the browser's viewer in a new tab and its print button."""
    return _file(disposition="inline", fmt="pdf")


@bp.route("/eksport", methods=["POST"])
@office
def export_file():
    return _file(disposition="attachment", fmt=None)


def _file(disposition: str, fmt: str | None):
    form = ReportForm(request.form)
    if not form.validate():
        return _page(form, 422)
    params = form.params()
    fmt = fmt or form.fmt.data
    if export.runs_as_job(params, fmt):
        return _start_job(params, fmt)
    name, mimetype, data = export.render(params, fmt)
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=disposition == "attachment",
                     download_name=name, max_age=0)


def _start_job(params: ReportParams, fmt: str):
    try:
        job = jobs.start("reports", "workers.reports.export_report", current_tenant_id(),
                         params.to_dict(), fmt, kind=JOB_KIND, timeout=1800, fmt=fmt)
    except Exception:  # noqa: BLE001 - Redis away: say so, nothing was started
        flash("Kolejka zadań jest chwilowo niedostępna. Spróbuj za chwilę.", "error")
        return redirect(url_for("reports.index"), code=303)
    flash("Raport jest duży: plik powstaje w tle. Link do pobrania pojawi się poniżej.", "info")
    return redirect(url_for("reports.index", job=job.id), code=303)


def _own_job(job_id: str):
    """The tenant's export job named in the page's query string, or None (no 404 for a page)."""
    from rq.job import Job

    from workers import web_connection

    try:
        job = Job.fetch(job_id, connection=web_connection())
    except (NoSuchJobError, ValueError):
        return None
    except Exception:  # noqa: BLE001 - Redis away: the page still works without the progress
        return None
    if job.meta.get("tenant_id") != current_tenant_id() or job.meta.get("kind") != JOB_KIND:
        return None
    return job


def progress_context(job) -> dict:
    return {"job": job, "status": job.get_status(refresh=True), "meta": job.meta,
            "result": job.return_value() if job.is_finished else None}


@bp.route("/eksport/<job_id>")
@office
def export_progress(job_id):
    job = jobs.fetch_or_404(job_id, JOB_KIND)
    return render_template("reports/_export_progress.html", **progress_context(job))


@bp.route("/eksport/<job_id>/plik")
@office
def export_download(job_id):
    job = jobs.fetch_or_404(job_id, JOB_KIND)
    result = job.return_value() if job.is_finished else None
    if not result or "path" not in result:  # not finished, or skipped (tenant suspended)
        abort(404)
    path = Path(result["path"])
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=export.MIMETYPES[result["format"]], as_attachment=True,
                     download_name=result["filename"], max_age=0)


