from flask import Blueprint

bp = Blueprint("devices", __name__, url_prefix="/urzadzenia")
