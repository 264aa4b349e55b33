from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/zlecenia")

from app.orders import routes  # noqa: E402,F401
