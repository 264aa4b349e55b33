
from flask import current_app, render_template, send_from_directory
from flask_login import current_user

from app import clock
from app.auth.access import tenant_user
from app.main import bp
from app.main.dashboard import attention, inspections_due, recent_open_orders


@bp.route("/")
@tenant_user
def dashboard():
    today = clock.today()
    return render_template(
        "main/dashboard.html",
        today=today,
        figures=attention(current_user, today),
        open_orders=recent_open_orders(current_user),
        due=inspections_due(today),
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
