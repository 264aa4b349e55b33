"""The single entry point of every file export: the download view, the export job and the mail
job (workers/mail.py calls `render(ReportParams.from_dict(d), fmt)`) all come through here.

Works wherever a tenant is set: a request, or a job inside `tenancy.use_tenant(tenant_id)`.
"""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.reports import queries
from app.reports.params import DEVICES, ReportParams
from app.reports.pdf import write_pdf
from app.reports.tabular import write_csv, write_xlsx

MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Above these row counts a file is made by a job on the `reports` queue, not in the request:
# measured on 2 cores, 2,000 PDF rows take ~4 s and 50,000 CSV/XLSX rows ~1-3 s.
SYNC_LIMITS = {"pdf": 2_000, "csv": 50_000, "xlsx": 50_000}


def filename(params: ReportParams, fmt: str) -> str:
    kind = "dane-kas" if params.kind == DEVICES else "uslugi"
    return f"raport-{kind}-{params.date_from:%Y%m%d}-{params.date_to:%Y%m%d}.{fmt}"


def runs_as_job(params: ReportParams, fmt: str) -> bool:
    return queries.count(params) > SYNC_LIMITS[fmt]


def export_to_file(params: ReportParams, fmt: str, path: str | os.PathLike,
                   progress: Callable[[int], None] | None = None) -> str:
    """Write the report as `fmt` to `path`; returns the download file name."""
    if fmt not in MIMETYPES:
        raise ValueError(f"unknown format {fmt!r}")
    divided = params.by_producer
    head = queries.header(params)
    counts = queries.counts_by_producer(params) if divided else None
    rows = queries.rows(params)
    if fmt == "xlsx":
        write_xlsx(params.kind, rows, str(path), head=head if divided else None, counts=counts,
                   progress=progress)
    else:
        with open(path, "wb") as out:
            if fmt == "csv":
                write_csv(params.kind, rows, out, head=head if divided else None, counts=counts,
                          progress=progress)
            else:
                write_pdf(params.kind, rows, out, head=head, divided=divided, counts=counts,
                          progress=progress)
    return filename(params, fmt)


def render(params: ReportParams, fmt: str) -> tuple[str, str, bytes]:
    """(file name, MIME type, the file's bytes) of the report in `fmt` (pdf, xlsx or csv)."""
    fd, tmp = tempfile.mkstemp(suffix=f".{fmt}", prefix="plomba-report-")
    os.close(fd)
    try:
        name = export_to_file(params, fmt, tmp)
        return name, MIMETYPES[fmt], Path(tmp).read_bytes()
    finally:
        os.unlink(tmp)


__all__ = ["MIMETYPES", "SYNC_LIMITS", "export_to_file", "filename", "render",
           "runs_as_job"]
