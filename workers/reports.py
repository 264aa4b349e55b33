"""Jobs of the reports queue: a report export too large to render in a request.

The file goes to EXPORT_DIR/<tenant id>/<job id>-<token>.<format>; the job's row names it, and
the download view finds it through the row, looked up in the tenant's own jobs. Safe to run
twice: a rerun writes a new file and the row names that one.

A report holds the tenant's clients and prices: the directories are 0700 and the files 0600
(readable by the service's own user only), and the worker's maintenance round removes files
older than a day for every tenant (sweep_exports), not only at the tenant's next export.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

from flask import current_app

from app.models import Job
from app.reports import export, queries
from app.reports.params import ReportParams

log = logging.getLogger(__name__)

# A file outlives its link by nothing: a day after, the sweep (or the tenant's next export)
# removes it. Measured against the files' modification times, which the file system stamps
# with the real time: time.time() here, not app.clock.
KEEP_FILES = 86400


def _export_base() -> Path:
    from app.config import INSTANCE_DIR

    return Path(current_app.config.get("EXPORT_DIR") or INSTANCE_DIR / "exports")


def _private_dir(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # mkdir's mode is masked by the umask, and an old one may be 0755
    return directory


def export_dir(tenant_id: int) -> Path:
    _private_dir(_export_base())
    return _private_dir(_export_base() / str(int(tenant_id)))


def _remove_expired(directory: Path, cutoff: float) -> int:
    removed = 0
    for old in directory.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:  # another worker's sweep was first
            continue
    return removed


def sweep_exports() -> int:
    """Remove every tenant's export files older than KEEP_FILES; the number removed. Called
    by each worker's maintenance round (workers/__main__.py), so a tenant that never exports
    again does not keep its reports on disk."""
    base = _export_base()
    if not base.is_dir():
        return 0
    cutoff = time.time() - KEEP_FILES
    return sum(_remove_expired(d, cutoff) for d in base.iterdir() if d.is_dir())


def _create_private(path: Path) -> None:
    # Created 0600 before any byte is written: never readable by others, not even briefly.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def export_report(job: Job, progress) -> dict:
    """The handler of a report_export row (see workers.jobs)."""
    report = ReportParams.from_dict(job.params["report"])
    fmt = job.params["fmt"]
    directory = export_dir(job.tenant_id)
    _remove_expired(directory, time.time() - KEEP_FILES)
    # Unguessable and never reused, even where row ids are (SQLite reuses a deleted max id).
    path = directory / f"{job.id}-{secrets.token_hex(8)}.{fmt}"
    _create_private(path)
    total = queries.count(report)
    progress(0, total)
    name = export.export_to_file(report, fmt, path, progress=lambda done: progress(done, total))
    path.chmod(0o600)  # in case a writer replaced the file rather than writing into it
    progress(total, total)
    job.result_path, job.result_name = str(path), name
    return {"rows": total, "format": fmt}
