"""An invited user's link: sets the first password, valid for 7 days and once. An expired or
spent link says so and sends the person to the company's owner for a new invitation."""

from flask import flash, redirect, url_for

from app import tenancy
from app.accounts.invitations import INVITATION_VALID
from app.auth import bp, tokens
from app.auth.signup import new_password_page
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
    return new_password_page(user, "Ustawiono hasło. Zaloguj się.", invited=user.email)
