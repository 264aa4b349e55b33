from flask import Blueprint

bp = Blueprint("technicians", __name__, url_prefix="/serwisanci")
