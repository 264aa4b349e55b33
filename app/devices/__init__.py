from flask import Blueprint

bp = Blueprint("devices", __name__, url_prefix="/urzadzenia")

from app.devices import routes  # noqa: E402,F401
