
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import accounts, audit, jobs, secrets, tenancy
from app.admin import bp
from app.admin.forms import CompanyForm, ServiceBookRepairForm, SmtpForm, SmtpTestForm
from app.admin.repair import copy_service_book_flag
from app.auth.access import office_staff, owner_only
from app.auth.forms import show_refusal
from app.days import parse_day
from app.extensions import db
from app.formatting import day_range, plural
from app.htmx import page_or_partial
from app.listing import keyset_page
from app.models import AuditEntry, JobKind, Tenant, User
from app.parties import queries as party_queries
from workers import jobs as job_queue


@bp.route("/naprawa-danych", methods=["GET", "POST"])
@office_staff
def repair():
    form = ServiceBookRepairForm()
    if form.validate_on_submit():
        changed = copy_service_book_flag(form.since.data, user_id=current_user.id)
        db.session.commit()
        flash(f"Zaktualizowano {changed} {plural(changed, 'zlecenie', 'zlecenia', 'zleceń')}.",
              "success")
        return redirect(url_for(".repair"), code=303)
    return render_template("admin/repair.html", form=form)


@bp.route("/poczta", methods=["GET", "POST"])
@owner_only
def smtp():
    """The tenant's own SMTP server for reports sent by e-mail (the password never shown)."""
    tenant = tenancy.get_or_404(Tenant, current_user.tenant_id)
    form = SmtpForm(obj=tenant)
    if form.validate_on_submit():
        tenant.smtp_host = form.smtp_host.data
        tenant.smtp_port = form.smtp_port.data
        tenant.smtp_security = form.smtp_security.data
        tenant.smtp_user = form.smtp_user.data
        tenant.smtp_sender = form.smtp_sender.data
        if form.clear_password.data:
            tenant.smtp_password_encrypted = ""
        elif form.smtp_password.data:
            tenant.smtp_password_encrypted = secrets.encrypt(form.smtp_password.data)
        audit.record("tenant.smtp_updated", tenant, tenant.smtp_host or "serwer platformy")
        db.session.commit()
        flash("Zapisano ustawienia poczty.", "success")
        return redirect(url_for(".smtp"), code=303)
    test_job = jobs.find(request.args.get("test", type=int), JobKind.SMTP_TEST)
    return render_template("admin/smtp.html", form=form, tenant=tenant, test_job=test_job,
                           test_form=SmtpTestForm(formdata=None, to=current_user.email))


@bp.route("/poczta/test", methods=["POST"])
@owner_only
def smtp_test():
    """"Wyślij test": a short job through the saved settings; the page polls its row."""
    tenant = tenancy.get_or_404(Tenant, current_user.tenant_id)
    form = SmtpTestForm()
    if not form.validate():
        return render_template("admin/smtp.html", form=SmtpForm(obj=tenant), tenant=tenant,
                               test_form=form, test_job=None)
    job = jobs.new(JobKind.SMTP_TEST, current_user.id, to=form.to.data)
    db.session.commit()
    if not job_queue.start(job):
        flash(job_queue.QUEUE_AWAY, "error")
        return redirect(url_for(".smtp"), code=303)
    return redirect(url_for(".smtp", test=job.id), code=303)


@bp.route("/poczta/test/<int:job_id>")
@owner_only
def smtp_test_progress(job_id):
    job = jobs.get_or_404(job_id, JobKind.SMTP_TEST)
    return render_template("admin/_smtp_test.html", job=job)


@bp.route("", methods=["GET", "POST"])
@owner_only
def index():
    """Administracja -> Firma: the company's profile and the console's other pages."""
    tenant = tenancy.get_or_404(Tenant, current_user.tenant_id)
    form = CompanyForm(obj=tenant)
    if form.validate_on_submit():
        try:
            accounts.update_company(tenant, **{name: getattr(form, name).data for name in (
                "name", "street", "postal_code", "city", "email", "phone")})
        except accounts.AccountError as refusal:
            db.session.rollback()
            show_refusal(form, refusal)
        else:
            flash("Zapisano dane firmy.", "success")
            return redirect(url_for(".index"), code=303)
    producers = party_queries.producers()
    return render_template("admin/index.html", form=form, tenant=tenant, producers=producers)


AUDIT_PAGE = 100


@bp.route("/dziennik")
@office_staff
def audit_log():
    """Who did what and when: filter by kind of event, user and date."""
    args = request.args
    stmt = select(AuditEntry).options(joinedload(AuditEntry.user))
    action = args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    user_id = args.get("user_id", type=int)
    if user_id:
        stmt = stmt.where(AuditEntry.user_id == user_id)
    start, end = day_range(parse_day(args.get("from")), parse_day(args.get("to")))
    if start:
        stmt = stmt.where(AuditEntry.at >= start)
    if end:
        stmt = stmt.where(AuditEntry.at < end)
    page = keyset_page(stmt, [AuditEntry.id], args.get("after"), descending=True,
                       size=AUDIT_PAGE)
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return page_or_partial("admin/audit.html", "admin/_audit_rows.html", page=page,
                           users=users, action=action, user_id=user_id,
                           actions=AUDIT_ACTIONS)


# The kinds of events a user filters by (prefixes of AuditEntry.action).
AUDIT_ACTIONS = {
    "order.": "Zlecenia (wszystko)",
    "order.close": "Zamknięcia zleceń",
    "order.service_book": "Wpis do książki serwisowej",
    "producer.": "Producenci i parametry API",
    "client.": "Klienci",
    "device.": "Urządzenia",
    "service.": "Usługi",
    "technician.": "Serwisanci",
    "user.": "Konta użytkowników",
    "tenant.": "Dane firmy i poczta",
}
