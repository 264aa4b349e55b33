from flask import Blueprint

bp = Blueprint("parties", __name__)

from app.parties import routes  # noqa: E402,F401
