from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/uslugi")

from app.catalog import routes  # noqa: E402,F401
