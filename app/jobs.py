"""Background jobs as the screens and the API see them: rows of the current tenant.

`new` records what must be done (the caller commits, then hands the row to
`workers.jobs.start`); `get_or_404` and `find` look a job up through tenancy, so another
tenant's job, or one of another kind, is simply not found."""

from flask import abort

from app import tenancy
from app.extensions import db
from app.models import Job, JobKind, JobStatus


def new(kind: JobKind, created_by_id: int | None, **params) -> Job:
    job = Job(kind=kind.value, status=JobStatus.QUEUED.value, params=params,
              created_by_id=created_by_id)
    db.session.add(job)
    db.session.flush()
    return job


# The id column's range (INTEGER on PostgreSQL): a larger number in a query string names no
# job and must not reach the database as an out-of-range parameter.
MAX_ID = 2**31 - 1


def find(job_id: int | None, kind: JobKind) -> Job | None:
    """The tenant's job of this kind, or None (a page that names one in its query string)."""
    if job_id is None or not 0 < job_id <= MAX_ID:
        return None
    job = db.session.get(Job, job_id)
    return job if job is not None and job.kind == kind else None


def get_or_404(job_id: int, kind: JobKind) -> Job:
    job = tenancy.get_or_404(Job, job_id)
    if job.kind != kind:
        abort(404)
    return job


def again(job: Job) -> None:
    """A failed job queued once more with the same arguments (the caller commits and starts)."""
    if job.status != JobStatus.FAILED:
        raise ValueError("only a failed job runs again")
    job.status, job.error, job.message = JobStatus.QUEUED.value, "", ""
    job.done, job.total, job.result = 0, None, None
    job.started_at = job.finished_at = None
