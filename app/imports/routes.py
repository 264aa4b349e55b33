"""Kartoteki -> Import z pliku: upload, map the columns, preview the first 100 rows with
every error at its cell, then a dry run or the import itself as a job with a progress bar and
a report. Owners and office staff only (they keep the company's records)."""

from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app import jobs
from app.auth.access import office_staff
from app.extensions import db
from app.htmx import page_or_partial
from app.imports import bp, uploads
from app.imports.columns import ImportKind, fields, guess_mapping, template_file
from app.imports.files import FileProblem, header_and_rows
from app.imports.forms import UploadForm, mapping_from
from app.imports.service import PREVIEW_ROWS, check, missing_fields
from app.models import JobKind
from workers import jobs as job_queue

# What the form around the file adds to the request (the kind, the CSRF token, the multipart
# boundaries): the file may use the rest of the app's request limit.
FORM_OVERHEAD = 64 * 1024


def _file_limit() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"] - FORM_OVERHEAD


def _kind() -> ImportKind:
    try:
        return ImportKind(request.values.get("kind", ""))
    except ValueError:
        abort(404)


def _upload(token: str) -> uploads.Upload:
    upload = uploads.find(current_user.tenant_id, token)
    if upload is None:
        abort(404)
    return upload


@bp.route("/", methods=["GET", "POST"])
@office_staff
def index():
    limit = _file_limit()
    # Refused before the body is read: a 50 MB upload is not received to be thrown away.
    if request.method == "POST" and (request.content_length or 0) > limit + FORM_OVERHEAD:
        return _upload_page(UploadForm(formdata=None), uploads.too_large(limit), 413)
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:  # a body without a Content-Length that grew past the limit
        return _upload_page(UploadForm(formdata=None), uploads.too_large(limit), 413)
    if not submitted:
        return _upload_page(form, status=422 if request.method == "POST" else 200)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_page(form, "Wybierz plik CSV albo XLSX.", 422)
    try:
        upload = uploads.save(current_user.tenant_id, file.filename, file.stream, limit)
    except FileProblem as exc:
        return _upload_page(form, str(exc), 422)
    try:
        header_and_rows(upload.path, upload.file_kind)  # an empty or broken file: said now
    except FileProblem as exc:
        uploads.remove(upload)
        return _upload_page(form, str(exc), 422)
    return redirect(url_for("imports.columns", token=upload.token, kind=form.kind.data), 303)


def _upload_page(form, file_error: str | None = None, status: int = 200):
    return render_template("imports/index.html", form=form, file_error=file_error,
                           kinds=list(ImportKind),
                           limit_mb=_file_limit() // (1024 * 1024)), status


@bp.route("/<token>/kolumny")
@office_staff
def columns(token):
    upload, kind = _upload(token), _kind()
    header = _header(upload)
    return render_template("imports/columns.html", upload=upload, kind=kind, header=header,
                           fields=fields(kind), mapping=guess_mapping(kind, header))


def _header(upload: uploads.Upload) -> list[str]:
    try:
        header, _ = header_and_rows(upload.path, upload.file_kind)
    except FileProblem:
        abort(404)
    return header


@bp.route("/<token>/podglad")
@office_staff
def preview(token):
    upload, kind = _upload(token), _kind()
    # The file is read once, by the check: a large workbook's strings take a while to load.
    mapping = mapping_from(request.args, kind)
    missing = missing_fields(kind, mapping)
    outcome = None
    if not missing:
        try:
            outcome = check(upload.path, upload.file_kind, kind, mapping, limit=PREVIEW_ROWS)
        except FileProblem as exc:
            flash(str(exc), "error")
            return redirect(url_for("imports.index"), 303)
    return render_template("imports/preview.html", upload=upload, kind=kind,
                           shown=[f for f in fields(kind) if mapping[f.name] is not None],
                           mapping=mapping, missing=missing,
                           outcome=outcome, preview_rows=PREVIEW_ROWS)


@bp.route("/<token>/start", methods=["POST"])
@office_staff
def start(token):
    upload, kind = _upload(token), _kind()
    mapping = mapping_from(request.form, kind)
    if missing_fields(kind, mapping):
        abort(400)
    dry_run = request.form.get("dry_run") == "1"
    job = jobs.new(JobKind.IMPORT, current_user.id, token=upload.token, what=kind.value,
                   mapping=mapping, dry_run=dry_run, name=upload.name)
    db.session.commit()
    if not job_queue.start(job):
        flash(job_queue.QUEUE_AWAY, "error")
    return redirect(url_for("imports.job", job_id=job.id), 303)


@bp.route("/zadanie/<int:job_id>")
@office_staff
def job(job_id):
    job = jobs.get_or_404(job_id, JobKind.IMPORT)
    kind = ImportKind(job.params["what"])
    labels = {f.name: f.label for f in fields(kind)}
    upload = uploads.find(current_user.tenant_id, job.params["token"])
    return page_or_partial("imports/job.html", "imports/_job.html", job=job, kind=kind,
                           labels=labels, upload_left=upload is not None)


@bp.route("/wzor/<kind>.<fmt>")
@office_staff
def template(kind, fmt):
    try:
        kind = ImportKind(kind)
    except ValueError:
        abort(404)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    name, mimetype, data = template_file(kind, fmt)
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name,
                     max_age=0)
