from flask import Blueprint

bp = Blueprint("transmissions", __name__, url_prefix="/wysylka")

from app.transmissions import routes  # noqa: E402,F401
