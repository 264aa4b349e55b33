"""Eksport e-mail: a report rendered and sent by a job on the mail queue, with its status."""


from flask import flash, redirect, render_template, request, url_for
from rq.job import JobStatus

from app import clock
from app.auth.access import roles_required
from app.mailings import bp
from app.mailings.forms import ReportEmailForm
from app.orders import access
from app.tenancy import current_tenant_id
from app.transmissions import jobs

KIND = "report_email"
# As the reports themselves.
report_users = roles_required(*access.REPORT_READERS)


@bp.route("", methods=["GET", "POST"])
@report_users
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
    params = form.params()
    try:
        job = jobs.start("mail", "workers.mail.send_report", current_tenant_id(),
                         params.to_dict(), form.fmt.data, form.recipients.addresses,
                         form.subject.data, form.message.data or "", kind=KIND, timeout=900,
                         recipients=", ".join(form.recipients.addresses))
    except Exception:  # noqa: BLE001 - Redis away: say so, nothing was started
        flash("Kolejka zadań jest chwilowo niedostępna. Spróbuj za chwilę.", "error")
        return render_template("mailings/new.html", form=form)
    return redirect(url_for(".status", job_id=job.id), code=303)


@bp.route("/<job_id>")
@report_users
def status(job_id):
    job = jobs.fetch_or_404(job_id, KIND)
    template = "mailings/_status.html" if request.headers.get("HX-Request") else \
        "mailings/status.html"
    return render_template(template, job=job, status=job.get_status(refresh=True),
                           meta=job.meta)


@bp.route("/<job_id>/ponow", methods=["POST"])
@report_users
def retry(job_id):
    """Send again after a failure (the server's reason was shown): the same job, requeued."""
    job = jobs.fetch_or_404(job_id, KIND)
    if job.get_status(refresh=True) != JobStatus.FAILED:
        flash("Ponowić można tylko wysyłkę zakończoną błędem.", "error")
    else:
        job.meta.update(error="", step="")
        job.save_meta()
        job.requeue()
        flash("Wysyłka ponowiona.", "success")
    return redirect(url_for(".status", job_id=job.id), code=303)
