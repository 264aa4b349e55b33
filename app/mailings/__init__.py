from flask import Blueprint

bp = Blueprint("mailings", __name__, url_prefix="/raporty/email")

from app.mailings import routes  # noqa: E402,F401
