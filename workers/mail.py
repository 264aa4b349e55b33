"""Jobs of the mail queue: a report rendered and sent by e-mail as an attachment.

An SMTP failure fails the job with the server's reason in job.meta["error"], shown to the user,
who can send it again (the job is requeued as it was)."""

from __future__ import annotations

from rq import get_current_job

from app import mailer, tenancy
from app.extensions import db
from app.models import Tenant
from workers import SUSPENDED, tenant_active


def send_report(tenant_id: int, params: dict, fmt: str, recipients: list[str], subject: str,
                message: str) -> dict:
    from app.reports.export import render
    from app.reports.params import ReportParams

    job = get_current_job()
    with tenancy.use_tenant(tenant_id):
        if not tenant_active(tenant_id):
            return SUSPENDED
        tenant = db.session.get(Tenant, tenant_id)
        _note(job, step="Przygotowanie raportu…", error="")
        filename, mimetype, data = render(ReportParams.from_dict(params), fmt)
        _note(job, step="Wysyłanie…")
        mail = mailer.build(tenant, recipients, subject, message,
                            [mailer.Attachment(filename, mimetype, data)])
        try:
            mailer.send(tenant, mail)
        except mailer.MailError as exc:
            _note(job, step="", error=str(exc))
            raise
        finally:
            db.session.remove()
    _note(job, step="")
    return {"recipients": recipients, "filename": filename, "bytes": len(data),
            "suppressed": mailer.suppressed(tenant)}


def _note(job, **meta) -> None:
    if job is not None:
        job.meta.update(meta)
        job.save_meta()


def send_message(recipients: list[str], subject: str, body: str) -> dict:
    """Plomba's own mail (sign-up confirmation, password reset) through the platform's SMTP."""
    mailer.send(None, mailer.build(None, recipients, subject, body))
    return {"recipients": recipients}
