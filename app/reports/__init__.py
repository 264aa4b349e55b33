"""Reports ("Raporty -> Raport ze zleceń"): one query per kind, rendered as a paginated preview,
PDF, XLSX or CSV; exports too large for a request run as a job on the `reports` queue."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/raporty")
