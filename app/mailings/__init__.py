from flask import Blueprint

bp = Blueprint("mailings", __name__, url_prefix="/raporty/email")
