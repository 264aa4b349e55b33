"""The signed-in user's own account: password change and signing out everywhere."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user
from wtforms import PasswordField
from wtforms.validators import EqualTo, Length, ValidationError

from app import audit
from app.auth import bp
from app.auth.access import tenant_user
from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from app.forms_common import PlForm, required
from app.models.user import new_session_token

MIN_PASSWORD = 10


class PasswordChangeForm(PlForm):
    current = PasswordField("Obecne hasło", validators=[required("Podaj obecne hasło.")])
    new = PasswordField("Nowe hasło", validators=[
        required("Podaj nowe hasło."),
        Length(min=MIN_PASSWORD, max=200,
               message=f"Hasło musi mieć od {MIN_PASSWORD} do 200 znaków.")])
    repeat = PasswordField("Powtórz nowe hasło", validators=[
        EqualTo("new", message="Hasła nie są takie same.")])

    def validate_current(self, field):
        if not verify_password(current_user.password_hash, field.data or ""):
            raise ValidationError("Obecne hasło jest nieprawidłowe.")

    def validate_new(self, field):
        if field.data and field.data.lower() in (current_user.email.lower(),):
            raise ValidationError("Hasło nie może być adresem e-mail.")


def _rotate_and_stay_signed_in() -> None:
    """A new session token ends every other session; this one signs in again with it."""
    user = current_user._get_current_object()
    user.session_token = new_session_token()
    db.session.commit()
    login_user(user)


@bp.route("/konto", methods=["GET", "POST"])
@tenant_user
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        current_user.password_hash = hash_password(form.new.data)
        audit.record("user.password_changed", current_user._get_current_object(),
                     current_user.email)
        _rotate_and_stay_signed_in()
        flash("Zmieniono hasło. Inne zalogowane sesje zostały zakończone.", "success")
        return redirect(url_for(".account"), code=303)
    return render_template("auth/account.html", form=form)


@bp.route("/konto/wyloguj-wszedzie", methods=["POST"])
@tenant_user
def logout_everywhere():
    audit.record("user.sessions_ended", current_user._get_current_object(), current_user.email)
    _rotate_and_stay_signed_in()
    flash("Wylogowano ze wszystkich innych urządzeń i przeglądarek.", "success")
    return redirect(url_for(".account"), code=303)
