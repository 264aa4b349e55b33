from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/administracja")

from app.admin import routes, users  # noqa: E402,F401
