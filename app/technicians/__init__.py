from flask import Blueprint

bp = Blueprint("technicians", __name__, url_prefix="/serwisanci")

from app.technicians import routes  # noqa: E402,F401
