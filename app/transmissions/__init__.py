from flask import Blueprint

bp = Blueprint("transmissions", __name__, url_prefix="/wysylka")
