"""Jobs of the mail queue: a report rendered and sent by e-mail as an attachment, the
tenant's "Wyślij test", and Plomba's own mail.

An SMTP failure fails the job with the reason in the job's row (app.mailer's fixed words,
never the server's), shown to the user, who can send it again (the row is queued once more
with the same arguments)."""

from __future__ import annotations

from app import mailer
from app.extensions import db
from app.models import Job, Tenant
from app.reports.export import render
from app.reports.params import ReportParams
from workers.jobs import JobFailed


def send_report(job: Job, progress) -> dict:
    """The handler of a report_email row (see workers.jobs)."""
    params = job.params
    tenant = db.session.get(Tenant, job.tenant_id)
    progress.note("Przygotowanie raportu…")
    filename, mimetype, data = render(ReportParams.from_dict(params["report"]), params["fmt"])
    progress.note("Wysyłanie…")
    mail = mailer.build(tenant, params["recipients"], params["subject"], params["message"],
                        [mailer.Attachment(filename, mimetype, data)])
    try:
        mailer.send(tenant, mail)
    except mailer.MailError as exc:
        raise JobFailed(str(exc)) from exc
    return {"recipients": params["recipients"], "filename": filename, "bytes": len(data),
            "suppressed": mailer.suppressed(tenant)}


def send_test(job: Job, progress) -> dict:
    """The handler of a smtp_test row: "Wyślij test" of Administracja -> Poczta."""
    tenant = db.session.get(Tenant, job.tenant_id)
    progress.note("Łączenie z serwerem poczty…")
    try:
        mailer.send(tenant, mailer.test_message(tenant, job.params["to"]))
    except mailer.MailError as exc:
        raise JobFailed(str(exc)) from exc
    return {"to": job.params["to"], "suppressed": mailer.suppressed(tenant)}


def send_message(recipients: list[str], subject: str, body: str) -> dict:
    """Plomba's own mail (sign-up confirmation, password reset) through the platform's SMTP."""
    mailer.send(None, mailer.build(None, recipients, subject, body))
    return {"recipients": recipients}
