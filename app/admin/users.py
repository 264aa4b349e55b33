"""Administracja -> Użytkownicy: invite by e-mail with a role, change the role, deactivate.
The last active owner can be neither demoted nor deactivated."""

import secrets as pysecrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import EmailField, SelectField
from wtforms.validators import Email, ValidationError

from app import audit, tenancy
from app.admin import bp
from app.admin.routes import owner_only
from app.auth import sessions, tokens
from app.auth.passwords import hash_password
from app.auth.signup import queue_mail
from app.extensions import db
from app.forms_common import PlForm, choices, max_len, required, strip
from app.models import Role, Tenant, User

ROLE_CHOICES = choices((r.value, r.label) for r in Role)


class InviteForm(PlForm):
    email = EmailField("E-mail", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])
    role = SelectField("Rola", choices=ROLE_CHOICES, default=Role.TECHNICIAN.value)

    def validate_email(self, field):
        field.data = field.data.lower()
        with tenancy.all_tenants():
            if db.session.scalar(select(User.id).where(func.lower(User.email) == field.data)):
                raise ValidationError("Konto z tym adresem e-mail już istnieje (w tej albo "
                                      "innej firmie): zaproś inny adres.")


def _active_owners() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.OWNER.value, User.is_active_user.is_(True))) or 0


@bp.route("/uzytkownicy", methods=["GET", "POST"])
@owner_only
def users():
    form = InviteForm()
    if form.validate_on_submit():
        user = User(email=form.email.data, role=form.role.data,
                    # No usable password until the invitation's link sets one.
                    password_hash=hash_password(pysecrets.token_urlsafe(24)))
        db.session.add(user)
        db.session.flush()
        audit.record("user.invited", user, f"{user.email} ({user.role_label})")
        db.session.commit()
        tenant = db.session.get(Tenant, user.tenant_id)
        link = url_for("auth.reset_password", _external=True,
                       token=tokens.make("reset", user.id, user.password_hash))
        queued = queue_mail(user.email, f"Zaproszenie do Plomby: {tenant.name}",
                       f"Dzień dobry,\n\n{current_user.email} zaprasza Cię do pracy w Plombie "
                       f"w firmie {tenant.name} ({user.role_label}). Aby ustawić hasło, otwórz "
                       f"link:\n{link}\n\nLink jest ważny godzinę; po tym czasie użyj "
                       "„Nie pamiętasz hasła?” na stronie logowania.")
        flash(f"Zaproszono {user.email}." if queued else
              f"Dodano {user.email}, ale wysyłka zaproszenia się nie udała: niech użyje "
              "„Nie pamiętasz hasła?”.", "success" if queued else "warning")
        return redirect(url_for(".users"), code=303)
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, people=people,
                           role_choices=ROLE_CHOICES, session_counts=sessions.active_counts())


def _user_or_404(user_id: int) -> User:
    return tenancy.get_or_404(User, user_id)


@bp.route("/uzytkownicy/<int:user_id>/rola", methods=["POST"])
@owner_only
def change_role(user_id):
    user = _user_or_404(user_id)
    role = request.form.get("role", "")
    if role not in {r.value for r in Role}:
        abort(400)
    if user.role == Role.OWNER.value and role != Role.OWNER.value and user.is_active \
            and _active_owners() <= 1:
        flash("To jedyny aktywny właściciel firmy: najpierw nadaj rolę właściciela komuś "
              "innemu.", "error")
    elif role != user.role:
        audit.record("user.role_changed", user, f"{user.email}: {user.role} → {role}")
        user.role = role
        db.session.commit()
        flash(f"Zmieniono rolę {user.email}.", "success")
    return redirect(url_for(".users"), code=303)


@bp.route("/uzytkownicy/<int:user_id>/aktywne", methods=["POST"])
@owner_only
def toggle_active(user_id):
    user = _user_or_404(user_id)
    activate = request.form.get("active") == "1"
    if not activate and user.role == Role.OWNER.value and user.is_active \
            and _active_owners() <= 1:
        flash("Nie można wyłączyć jedynego aktywnego właściciela firmy.", "error")
        return redirect(url_for(".users"), code=303)
    user.is_active_user = activate
    if not activate:
        sessions.end_all(user)  # signed out everywhere at once
    audit.record("user.activated" if activate else "user.deactivated", user, user.email)
    db.session.commit()
    flash(f"{'Włączono' if activate else 'Wyłączono'} konto {user.email}.", "success")
    return redirect(url_for(".users"), code=303)


@bp.route("/uzytkownicy/<int:user_id>/wyloguj", methods=["POST"])
@owner_only
def sign_out(user_id):
    """Sign a user out of every browser without switching the account off (a shared or lost
    phone, a password told to someone)."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("Swoje sesje kończysz w „Moje konto”.", "info")
        return redirect(url_for(".users"), code=303)
    sessions.end_all(user)
    audit.record("user.signed_out", user, user.email)
    db.session.commit()
    flash(f"Wylogowano {user.email} ze wszystkich urządzeń.", "success")
    return redirect(url_for(".users"), code=303)
