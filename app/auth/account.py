"""The signed-in user's own account: password change, the list of signed-in browsers, ending
one of them or all the others."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from wtforms import PasswordField
from wtforms.validators import EqualTo, ValidationError

from app import accounts, audit
from app.accounts.passwords import verify_password
from app.auth import bp, login_limits, sessions
from app.auth.access import tenant_user
from app.auth.forms import show_refusal
from app.extensions import db
from app.forms_common import PlForm, required
from app.models import UserSession


class PasswordChangeForm(PlForm):
    current = PasswordField("Obecne hasło", validators=[required("Podaj obecne hasło.")])
    new = PasswordField("Nowe hasło", validators=[required("Podaj nowe hasło.")])
    repeat = PasswordField("Powtórz nowe hasło", validators=[
        EqualTo("new", message="Hasła nie są takie same.")])

    def validate_current(self, field):
        if not login_limits.may_check_current_password(current_user.id):
            raise ValidationError(login_limits.TOO_MANY_CURRENT_PASSWORDS)
        if not verify_password(current_user.password_hash, field.data or ""):
            login_limits.wrong_current_password(current_user.id)
            raise ValidationError("Obecne hasło jest nieprawidłowe.")

    def validate_new(self, field):
        if field.data and field.data == self.current.data:
            raise ValidationError("Nowe hasło musi być inne niż obecne.")


def _remembered(user) -> bool:
    return db.session.get(UserSession, user.session_id).remember


@bp.route("/konto", methods=["GET", "POST"])
@tenant_user
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        remember = _remembered(user)
        try:
            accounts.set_password(user, form.new.data, keep_session_id=user.session_id)
        except accounts.AccountError as refusal:
            show_refusal(form, refusal, password="new")
        else:
            # The other sessions ended with a new user token: this one signs in again with
            # it (and keeps its remember cookie, renewed with it).
            login_user(user, remember=remember)
            flash("Zmieniono hasło. Inne zalogowane sesje zostały zakończone.", "success")
            return redirect(url_for(".account"), code=303)
    return render_template("auth/account.html", form=form,
                           sessions=sessions.active(current_user),
                           previous=sessions.previous_sign_in(current_user),
                           describe=sessions.describe)


@bp.route("/konto/wyloguj-wszedzie", methods=["POST"])
@tenant_user
def logout_everywhere():
    user = current_user._get_current_object()
    remember = _remembered(user)
    accounts.end_sessions(user, keep_session_id=user.session_id)
    audit.record("user.sessions_ended", user, user.email)
    db.session.commit()
    login_user(user, remember=remember)  # with the new token, as after a password change
    flash("Wylogowano ze wszystkich innych urządzeń i przeglądarek.", "success")
    return redirect(url_for(".account"), code=303)


@bp.route("/konto/sesje/<int:session_id>/wyloguj", methods=["POST"])
@tenant_user
def end_session(session_id):
    row = sessions.own_or_404(current_user, session_id)
    if row.id == current_user.session_id:
        flash("To jest ta sesja: użyj „Wyloguj” w menu.", "info")
    elif row.ended_at is not None:
        flash("Ta sesja była już zakończona.", "info")
    else:
        where = sessions.describe(row.user_agent)
        sessions.end(row)
        audit.record("user.session_ended", current_user._get_current_object(),
                     f"{current_user.email}: {where}, {row.ip or 'adres nieznany'}")
        db.session.commit()
        flash(f"Wylogowano sesję: {where}.", "success")
    return redirect(url_for(".account"), code=303)
