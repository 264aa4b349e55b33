"""The operator console: the one place that reads across tenants (tenancy.all_tenants), and
only this: the tenants, their counts, suspend and resume, and "Stan systemu" (the queues,
workers, sweeps and failures, app.platform.status). Operators are created by the CLI."""

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, select

from app import accounts, audit, clock, tenancy
from app.accounts.passwords import verify_password
from app.auth import sessions
from app.auth.forms import LoginForm
from app.auth.redirects import local_path
from app.auth.routes import BAD_CREDENTIALS
from app.extensions import db, limiter
from app.models import Device, Operator, Order, Reminder, Tenant, Transmission, User
from app.platform import bp
from app.platform import status as system_status


def operator_required(view):
    """Operators only; to anyone else the console does not exist (404)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (current_user.is_authenticated
                and isinstance(current_user._get_current_object(), Operator)):
            abort(404)
        with tenancy.all_tenants():
            return view(*args, **kwargs)

    wrapped.allowed_roles = frozenset({"operator"})
    return wrapped


@bp.route("/logowanie", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        operator = db.session.scalar(select(Operator).where(Operator.email == email))
        if verify_password(operator.password_hash if operator else None, form.password.data):
            accounts.rehash_if_outdated(operator, form.password.data)
            # A record like a user's (commits the new hash too): logout ends it, idle expires.
            sessions.start(operator, remember=False)
            login_user(operator)
            return redirect(local_path(request.args.get("next")) or url_for(".tenants"),
                            code=303)
        form.password.errors.append(BAD_CREDENTIALS)
    return render_template("platform/login.html", form=form)


def _counts(model, *group) -> dict:
    stmt = select(model.tenant_id, *group, func.count()).group_by(model.tenant_id, *group)
    rows = db.session.execute(stmt).all()
    out: dict = {}
    for row in rows:
        if group:
            out.setdefault(row[0], {})[row[1]] = row[2]
        else:
            out[row[0]] = row[1]
    return out


@bp.route("")
@operator_required
def tenants():
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    return render_template(
        "platform/tenants.html", tenants=tenants, users=_counts(User),
        devices=_counts(Device), orders=_counts(Order),
        transmissions=_counts(Transmission, Transmission.status),
        reminders=_counts(Reminder, Reminder.status))


@bp.route("/firmy/<int:tenant_id>/zawies", methods=["POST"])
@operator_required
def suspend(tenant_id):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    resume = request.form.get("resume") == "1"
    tenant.suspended_at = None if resume else clock.now()
    with tenancy.use_tenant(tenant.id):
        audit.record("tenant.resumed" if resume else "tenant.suspended", tenant,
                     f"operator {current_user.email}")
        db.session.commit()
    flash(f"{'Wznowiono' if resume else 'Zawieszono'} firmę {tenant.name}.", "success")
    return redirect(url_for(".tenants"), code=303)


@bp.route("/stan")
@operator_required
def status():
    return render_template("platform/status.html", s=system_status.read(),
                           duration=system_status.duration)
