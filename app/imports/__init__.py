"""Import z pliku (Kartoteki -> Import z pliku): clients with their installation sites, devices
and technicians from a CSV or XLSX file, checked by the same rules as the forms, written in
one transaction by a job."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/import")
