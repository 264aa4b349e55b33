from datetime import date

from flask import render_template
from flask_login import current_user

from app.auth.access import tenant_user
from app.main import bp
from app.main.dashboard import attention, inspections_due, recent_open_orders


@bp.route("/")
@tenant_user
def dashboard():
    today = date.today()
    return render_template(
        "main/dashboard.html",
        today=today,
        figures=attention(today),
        open_orders=recent_open_orders(current_user),
        due=inspections_due(today),
    )


@bp.route("/o-programie")
@tenant_user
def about():
    return render_template("main/about.html")
