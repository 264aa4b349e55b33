"""Administracja -> Użytkownicy: invite by e-mail with a role (the link is valid 7 days; the
user is "zaproszony" until it is used; the invitation can be sent again), change the role,
deactivate. The last active owner can be neither demoted nor deactivated."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import EmailField, SelectField
from wtforms.validators import Email

from app import accounts, audit, tenancy
from app.accounts import invitations
from app.admin import bp
from app.auth import sessions
from app.auth.access import owner_only
from app.auth.forms import show_refusal
from app.auth.invitation import invitation_token
from app.auth.signup import queue_mail
from app.extensions import db
from app.forms_common import PlForm, choices, max_len, required, strip
from app.links import public_url
from app.models import Role, Tenant, User

ROLE_CHOICES = choices((r.value, r.label) for r in Role)


class InviteForm(PlForm):
    email = EmailField("E-mail", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])
    role = SelectField("Rola", choices=ROLE_CHOICES, default=Role.TECHNICIAN.value)


@bp.route("/uzytkownicy", methods=["GET", "POST"])
@owner_only
def users():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user_id = accounts.create_user(current_user.tenant_id, form.email.data,
                                           form.role.data, actor_id=current_user.id)
        except accounts.AlreadyRegistered as taken:
            return _already_registered(taken)
        except accounts.AccountError as refusal:
            show_refusal(form, refusal)
        else:
            return _invited(db.session.get(User, user_id))
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", form=form, people=people,
                           role_choices=ROLE_CHOICES, session_counts=sessions.active_counts())


def _already_registered(taken: accounts.AlreadyRegistered):
    """An invitation of an address that has an account. In this company the person is on the
    list anyway; in another company that is not the inviter's to know (issue 11, item 9): the
    answer is an invitation's, and the address's owner is told by e-mail."""
    if taken.email_tenant_id == current_user.tenant_id:
        flash(f"{taken.email} jest już na liście użytkowników.", "info")
        return redirect(url_for(".users"), code=303)
    tenant = db.session.get(Tenant, current_user.tenant_id)
    queued = queue_mail(taken.email, f"Zaproszenie do Plomby: {tenant.name}",
                        f"Dzień dobry,\n\n{current_user.email} chciał(a) zaprosić ten adres do "
                        f"pracy w Plombie w firmie {tenant.name}, ale masz już konto w Plombie "
                        "w innej firmie, a jeden adres e-mail to jedno konto. Nic się nie "
                        "zmieniło.\n\nJeśli masz pracować także dla tej firmy, podaj "
                        "zapraszającemu inny adres e-mail. Jeśli nie, zignoruj tę wiadomość.")
    return _answer_invitation(taken.email, queued)


def _answer_invitation(email: str, queued: bool):
    flash(f"Zaproszono {email}." if queued else
          f"Dodano {email}, ale wysyłka zaproszenia się nie udała: niech użyje "
          "„Nie pamiętasz hasła?”.", "success" if queued else "warning")
    return redirect(url_for(".users"), code=303)


def _mail_invitation(user: User) -> bool:
    tenant = db.session.get(Tenant, user.tenant_id)
    link = public_url("auth.accept_invitation", token=invitation_token(user))
    return queue_mail(user.email, f"Zaproszenie do Plomby: {tenant.name}",
                      f"Dzień dobry,\n\n{current_user.email} zaprasza Cię do pracy w Plombie "
                      f"w firmie {tenant.name} ({user.role_label}). Aby ustawić hasło, otwórz "
                      f"link:\n{link}\n\nLink jest ważny 7 dni. Gdy wygaśnie, poproś "
                      "zapraszającego o nowe zaproszenie.")


def _invited(user: User):
    return _answer_invitation(user.email, _mail_invitation(user))


@bp.route("/uzytkownicy/<int:user_id>/zaproszenie", methods=["POST"])
@owner_only
def reinvite(user_id):
    """"Wyślij zaproszenie ponownie": a new link for 7 days; the earlier links stop working."""
    user = _user_or_404(user_id)
    try:
        invitations.renew(user, actor_id=current_user.id)
    except invitations.NotInvited as refusal:
        flash(str(refusal), "info")
        return redirect(url_for(".users"), code=303)
    if _mail_invitation(user):
        flash(f"Wysłano ponownie zaproszenie do {user.email}.", "success")
    else:
        flash(f"Nie udało się wysłać zaproszenia do {user.email}: spróbuj za chwilę.", "warning")
    return redirect(url_for(".users"), code=303)


def _user_or_404(user_id: int) -> User:
    return tenancy.get_or_404(User, user_id)


@bp.route("/uzytkownicy/<int:user_id>/rola", methods=["POST"])
@owner_only
def change_role(user_id):
    user = _user_or_404(user_id)
    try:
        changed = accounts.change_role(user, request.form.get("role", ""),
                                       actor_id=current_user.id)
    except accounts.AccountError as refusal:
        flash(str(refusal), "error")
    else:
        if changed:
            flash(f"Zmieniono rolę {user.email}.", "success")
    return redirect(url_for(".users"), code=303)


@bp.route("/uzytkownicy/<int:user_id>/aktywne", methods=["POST"])
@owner_only
def toggle_active(user_id):
    user = _user_or_404(user_id)
    activate = request.form.get("active") == "1"
    try:
        accounts.set_active(user, activate, actor_id=current_user.id)
    except accounts.AccountError as refusal:
        flash(str(refusal), "error")
    else:
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
    accounts.end_sessions(user)
    audit.record("user.signed_out", user, user.email)
    db.session.commit()
    flash(f"Wylogowano {user.email} ze wszystkich urządzeń.", "success")
    return redirect(url_for(".users"), code=303)
