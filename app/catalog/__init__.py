from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/uslugi")
