"""The terms of service and the privacy notice: public pages, linked from the sign-up form
that asks to accept them. Their versions live in app/accounts/consent.py."""

from flask import current_app, render_template

from app.accounts.consent import PRIVACY_VERSION, TERMS_VERSION
from app.auth import bp
from app.formatting import iso_pl


def _contact() -> str:
    """The platform's own address: where a company writes to the operator."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    return sender[1] if isinstance(sender, tuple) else sender


@bp.route("/regulamin")
def terms():
    return render_template("legal/terms.html", version=iso_pl(TERMS_VERSION),
                           contact=_contact())


@bp.route("/polityka-prywatnosci")
def privacy():
    return render_template("legal/privacy.html", version=iso_pl(PRIVACY_VERSION),
                           contact=_contact())
