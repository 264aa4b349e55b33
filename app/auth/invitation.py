"""An invited user's link: sets the first password, valid for 7 days and once. An expired or
spent link says so and sends the person to the company's owner for a new invitation."""

from flask import flash, redirect, render_template, url_for

from app import accounts, tenancy
from app.accounts.invitations import INVITATION_VALID
from app.auth import bp, tokens
from app.auth.forms import show_refusal
from app.auth.signup import NewPasswordForm
from app.extensions import db
from app.models import User

EXPIRED = ("Zaproszenie wygasło: link jest ważny 7 dni. Poproś właściciela konta firmy o nowe "
           "zaproszenie (Administracja → Użytkownicy → „Wyślij zaproszenie ponownie”).")
SPENT = ("Ten link zaproszenia został już użyty albo zastąpiony nowszym. Jeśli hasło jest już "
         "ustawione, zaloguj się; jeśli nie, poproś właściciela konta firmy o nowe zaproszenie.")


def invitation_token(user: User) -> str:
    """The link's token: spent once the password changes (the first one, or a new invitation)."""
    return tokens.make("invite", user.id, user.password_hash)


@bp.route("/zaproszenie/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        user_id, fingerprint = tokens.read("invite", token,
                                           int(INVITATION_VALID.total_seconds()))
    except tokens.TokenError as exc:
        flash(EXPIRED if isinstance(exc, tokens.TokenExpired) else str(exc), "error")
        return redirect(url_for(".login"))
    with tenancy.all_tenants():
        user = db.session.get(User, user_id)
        valid = (user is not None and user.invited_at is not None
                 and tokens.matches(fingerprint, user.password_hash))
    if not valid:
        flash(SPENT, "error")
        return redirect(url_for(".login"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with tenancy.use_tenant(user.tenant_id):
                accounts.set_password_from_mail(user, form.password.data)
        except accounts.AccountError as refusal:
            show_refusal(form, refusal)
        else:
            flash("Ustawiono hasło. Zaloguj się.", "success")
            return redirect(url_for(".login"), code=303)
    return render_template("auth/reset_password.html", form=form, invited=user.email)
