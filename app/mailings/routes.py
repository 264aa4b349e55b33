"""Eksport e-mail: a report rendered and sent by a job on the mail queue, with its status."""


from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock, jobs
from app.auth.access import roles_required
from app.extensions import db
from app.htmx import page_or_partial
from app.mailings import bp
from app.mailings.forms import ReportEmailForm
from app.models import JobKind, JobStatus
from app.orders import access
from workers import jobs as job_queue

# The reports list every order's items and every taxpayer of the tenant (orders/access.py).
report_readers = roles_required(*access.REPORT_READERS)


@bp.route("", methods=["GET", "POST"])
@report_readers
def new():
    form = ReportEmailForm(formdata=request.form if request.method == "POST" else request.args)
    if request.method == "GET":
        if not form.date_from.data:
            form.date_from.data = clock.today().replace(day=1)
        if not form.date_to.data:
            form.date_to.data = clock.today()
        if not form.subject.data:
            form.subject.data = "Raport ze zleceń"
        return render_template("mailings/new.html", form=form)
    if not form.validate():
        return render_template("mailings/new.html", form=form)
    job = jobs.new(JobKind.REPORT_EMAIL, current_user.id, report=form.params().to_dict(),
                   fmt=form.fmt.data, recipients=form.recipients.addresses,
                   subject=form.subject.data, message=form.message.data or "")
    db.session.commit()
    if not job_queue.start(job):
        flash(job_queue.QUEUE_AWAY, "error")
        return render_template("mailings/new.html", form=form)
    return redirect(url_for(".status", job_id=job.id), code=303)


@bp.route("/<int:job_id>")
@report_readers
def status(job_id):
    job = jobs.get_or_404(job_id, JobKind.REPORT_EMAIL)
    return page_or_partial("mailings/status.html", "mailings/_status.html", job=job)


@bp.route("/<int:job_id>/ponow", methods=["POST"])
@report_readers
def retry(job_id):
    """Send again after a failure (the server's reason was shown): the same row, queued again."""
    job = jobs.get_or_404(job_id, JobKind.REPORT_EMAIL)
    if job.status != JobStatus.FAILED:
        flash("Ponowić można tylko wysyłkę zakończoną błędem.", "error")
    else:
        jobs.again(job)
        db.session.commit()
        if job_queue.start(job):
            flash("Wysyłka ponowiona.", "success")
        else:
            flash(job_queue.QUEUE_AWAY, "error")
    return redirect(url_for(".status", job_id=job.id), code=303)
