
from datetime import timedelta

from flask import current_app, render_template, send_from_directory
from flask_login import current_user

from app import clock
from app.auth.access import tenant_user
from app.main import bp
from app.main.dashboard import (
    attention,
    first_steps,
    inspections_due,
    recent_open_orders,
    technician_day,
)
from app.orders import access

DUE_HORIZON_DAYS = 30


@bp.route("/")
@tenant_user
def dashboard():
    today = clock.today()
    company = access.sees_every_order(current_user)
    return render_template(
        "main/dashboard.html",
        today=today,
        company=company,
        unlinked=access.unlinked_technician(current_user),
        figures=attention(current_user, today, DUE_HORIZON_DAYS),
        # A technician's day: his own open orders, the ones in progress first.
        open_orders=recent_open_orders(current_user) if company else technician_day(current_user),
        due=inspections_due(today, DUE_HORIZON_DAYS),
        due_until=today + timedelta(days=DUE_HORIZON_DAYS),
        yesterday=today - timedelta(days=1),
        # A new company's setup: for those who run the company, not for its technicians.
        first_steps=first_steps() if company else [],
    )


@bp.route("/o-programie")
@tenant_user
def about():
    return render_template("main/about.html")


@bp.route("/favicon.ico")
def favicon():
    """Public: the icon browsers ask for here for a document that names none, as the PDF of
    "Druk" in its tab (a 404 is an error in that tab's console, and renders the error page)."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml")
