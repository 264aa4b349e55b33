"""Raporty -> Raport ze zleceń: parameters, Podgląd (htmx, paginated), Druk (PDF inline),
Eksport do pliku (download, or a job with progress and a link when the report is large)."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app import clock, jobs
from app.auth.access import roles_required
from app.extensions import db
from app.htmx import is_htmx, page_or_partial
from app.listing import decode_cursor, encode_cursor
from app.models import JobKind, JobStatus
from app.orders import access
from app.reports import bp, export, queries
from app.reports.forms import ReportForm
from app.reports.params import ReportParams
from workers import jobs as job_queue

# The reports list every order's items and every taxpayer of the tenant (orders/access.py).
report_readers = roles_required(*access.REPORT_READERS)

PAGE_SIZE = 100
# Bounds of a carried page number and count (app/bounds.py keeps ids within int4 the same way).
MAX_PAGE, MAX_ROWS = 10**6, 2**31 - 1


def _default_form() -> ReportForm:
    today = clock.today()
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return ReportForm(formdata=None, date_from=last_month_end.replace(day=1),
                      date_to=last_month_end)


def _page(form: ReportForm, status: int = 200, **context):
    return page_or_partial("reports/index.html", "reports/_report.html", http_status=status,
                           form=form, **context)


@bp.route("/")
@report_readers
def index():
    # A malformed or foreign id in the query string shows the page without the progress.
    job = jobs.find(request.args.get("job", type=int), JobKind.REPORT_EXPORT)
    return _page(_default_form(), job=job)


@bp.route("/podglad")
@report_readers
def preview():
    form = ReportForm(request.args)
    if not form.validate():
        # htmx swaps only 2xx: the errors are shown at the fields either way.
        return _page(form, 200 if is_htmx() else 422)
    params = form.params()
    paging = _paging(request.args.get("c"))
    if paging is None:  # the first page: the counts once, then carried from page to page
        page = 1
        rows, counts = queries.first_page(params, PAGE_SIZE)
    else:
        page, counts, direction, key = paging
        rows = queries.page(params, PAGE_SIZE, counts,
                            after=key if direction == "after" else None,
                            before=key if direction == "before" else None)
    total = sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    carried = [[pid, n] for pid, n in sorted(counts.items())]
    preview = {
        "params": params, "rows": rows, "total": total, "page": page, "pages": pages,
        "first_no": (page - 1) * PAGE_SIZE + 1, "columns": queries.COLUMNS[params.kind],
        "date_columns": queries.DATE_COLUMNS[params.kind],
        "nip_columns": queries.NIP_COLUMNS[params.kind],
        "head": queries.header(params) if params.by_producer else None,
        "counts": counts if params.by_producer else {},
        "args": params.query_args(),
        "previous": encode_cursor([page - 1, carried, "before", list(rows[0].key)])
        if rows and page > 1 else None,
        "next": encode_cursor([page + 1, carried, "after", list(rows[-1].key)])
        if rows and page < pages else None,
    }
    return _page(form, preview=preview)


def _paging(cursor: str | None) -> tuple[int, dict[int, int], str, list] | None:
    """The preview's carried state: page number, rows per producer (their sum is the count),
    direction and the key of the row to page from; None for the first page (or a state that
    is not ours: a hand-edited one can only mislabel the user's own report, never widen it)."""
    state = decode_cursor(cursor)
    if not state or len(state) != 4:
        return None
    page, carried, direction, key = state
    if (type(page) is not int or not 1 < page <= MAX_PAGE or direction not in ("after", "before")
            or not isinstance(carried, list) or not isinstance(key, list)):
        return None
    counts = {}
    for pair in carried:
        if (not isinstance(pair, list) or len(pair) != 2
                or any(type(v) is not int or not 0 <= v <= MAX_ROWS for v in pair)):
            return None
        counts[pair[0]] = pair[1]
    return page, counts, direction, key


@bp.route("/druk", methods=["POST"])
@report_readers
def print_pdf():
    """Druk: the PDF inline, for the browser's viewer in a new tab and its print button."""
    return _file(disposition="inline", fmt="pdf")


@bp.route("/eksport", methods=["POST"])
@report_readers
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
    job = jobs.new(JobKind.REPORT_EXPORT, current_user.id, report=params.to_dict(), fmt=fmt)
    db.session.commit()
    if not job_queue.start(job):
        flash(job_queue.QUEUE_AWAY, "error")
        return redirect(url_for("reports.index"), code=303)
    flash("Raport jest duży: plik powstaje w tle. Link do pobrania pojawi się poniżej.", "info")
    return redirect(url_for("reports.index", job=job.id), code=303)


@bp.route("/eksport/<int:job_id>")
@report_readers
def export_progress(job_id):
    job = jobs.get_or_404(job_id, JobKind.REPORT_EXPORT)
    return render_template("reports/_export_progress.html", job=job)


@bp.route("/eksport/<int:job_id>/plik")
@report_readers
def export_download(job_id):
    job = jobs.get_or_404(job_id, JobKind.REPORT_EXPORT)
    if job.status != JobStatus.FINISHED or not job.result_path:
        abort(404)
    path = Path(job.result_path)
    if not path.is_file():  # removed a day after the export
        abort(404)
    return send_file(path, mimetype=export.MIMETYPES[job.params["fmt"]], as_attachment=True,
                     download_name=job.result_name, max_age=0)
