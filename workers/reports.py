"""Jobs of the reports queue: a report export too large to render in a request.

The file goes to EXPORT_DIR/<tenant id>/<job id>-<token>.<format>; the job's row names it, and
the download view finds it through the row, looked up in the tenant's own jobs. Safe to run
twice: a rerun writes a new file and the row names that one.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import current_app

from app.models import Job
from app.reports import export, queries
from app.reports.params import ReportParams

# A file outlives its link by nothing: a day after, the next export of the tenant removes it.
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


def export_report(job: Job, progress) -> dict:
    """The handler of a report_export row (see workers.jobs)."""
    report = ReportParams.from_dict(job.params["report"])
    fmt = job.params["fmt"]
    directory = export_dir(job.tenant_id)
    _remove_expired(directory)
    # Unguessable and never reused, even where row ids are (SQLite reuses a deleted max id).
    path = directory / f"{job.id}-{secrets.token_hex(8)}.{fmt}"
    total = queries.count(report)
    progress(0, total)
    name = export.export_to_file(report, fmt, path, progress=lambda done: progress(done, total))
    progress(total, total)
    job.result_path, job.result_name = str(path), name
    return {"rows": total, "format": fmt}
