"""Jobs of the reports queue: a report export too large to render in a request.

The file goes to EXPORT_DIR/<tenant id>/<job id>.<format>; the download view finds it through
the job, which it fetches only for the job's own tenant. Safe to run twice: a rerun rewrites the
same file.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from rq import get_current_job

from app import tenancy
from app.extensions import db
from app.reports import export, queries
from app.reports.params import ReportParams
from workers import SUSPENDED, tenant_active

JOB_KIND = "report_export"
JOB_TIMEOUT = 1800
# A file outlives its job's result (result_ttl, one day) by nothing: its link is gone then.
KEEP_FILES = 86400


def export_dir(tenant_id: int) -> Path:
    from app.config import INSTANCE_DIR

    base = Path(current_app.config.get("EXPORT_DIR") or INSTANCE_DIR / "exports")
    directory = base / str(int(tenant_id))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _remove_expired(directory: Path) -> None:
    cutoff = time.time() - KEEP_FILES
    for old in directory.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def export_report(tenant_id: int, params: dict, fmt: str) -> dict:
    job = get_current_job()
    report = ReportParams.from_dict(params)
    job_id = job.id if job is not None else "direct"
    directory = export_dir(tenant_id)
    _remove_expired(directory)
    path = directory / f"{job_id}.{fmt}"
    with tenancy.use_tenant(tenant_id):
        try:
            if not tenant_active(tenant_id):
                return SUSPENDED
            total = queries.count(report)
            _progress(job, 0, total)
            name = export.export_to_file(report, fmt, path,
                                         progress=lambda done: _progress(job, done, total))
            _progress(job, total, total)
        finally:
            db.session.remove()
    return {"filename": name, "path": str(path), "rows": total, "format": fmt}


def _progress(job, done: int, total: int) -> None:
    if job is None:
        return
    job.meta.update(done=done, total=total)
    job.save_meta()
