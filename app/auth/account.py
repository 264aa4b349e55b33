"""The signed-in user's own account: password change, the list of signed-in browsers, ending
one of them or all the others."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from wtforms import PasswordField
from wtforms.validators import EqualTo, ValidationError

from app import audit
from app.auth import bp, sessions
from app.auth.access import tenant_user
from app.auth.passwords import hash_password, verify_password
from app.auth.signup import check_new_password
from app.extensions import db
from app.forms_common import PlForm, required
from app.models import UserSession


class PasswordChangeForm(PlForm):
    current = PasswordField("Obecne hasło", validators=[required("Podaj obecne hasło.")])
    new = PasswordField("Nowe hasło", validators=[required("Podaj nowe hasło.")])
    repeat = PasswordField("Powtórz nowe hasło", validators=[
        EqualTo("new", message="Hasła nie są takie same.")])

    def validate_current(self, field):
        if not verify_password(current_user.password_hash, field.data or ""):
            raise ValidationError("Obecne hasło jest nieprawidłowe.")

    def validate_new(self, field):
        if field.data and field.data == self.current.data:
            raise ValidationError("Nowe hasło musi być inne niż obecne.")
        check_new_password(field, current_user.email, [current_user.name])


def _end_others_and_stay_signed_in(user) -> None:
    """A new user token and ended records end every other session; this one signs in again
    with the new token (and keeps its remember cookie, renewed with it)."""
    remember = _current_row(user).remember
    sessions.end_all(user, keep_current=True)
    db.session.commit()
    login_user(user, remember=remember)


def _current_row(user) -> UserSession:
    return db.session.get(UserSession, user.session_id)


@bp.route("/konto", methods=["GET", "POST"])
@tenant_user
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        current_user.password_hash = hash_password(form.new.data)
        audit.record("user.password_changed", current_user._get_current_object(),
                     current_user.email)
        _end_others_and_stay_signed_in(current_user._get_current_object())
        flash("Zmieniono hasło. Inne zalogowane sesje zostały zakończone.", "success")
        return redirect(url_for(".account"), code=303)
    return render_template("auth/account.html", form=form,
                           sessions=sessions.active(current_user),
                           previous=sessions.previous_sign_in(current_user),
                           describe=sessions.describe)


@bp.route("/konto/wyloguj-wszedzie", methods=["POST"])
@tenant_user
def logout_everywhere():
    audit.record("user.sessions_ended", current_user._get_current_object(), current_user.email)
    _end_others_and_stay_signed_in(current_user._get_current_object())
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
