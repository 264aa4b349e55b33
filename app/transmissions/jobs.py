"""Background jobs as the screens see them: started for a tenant, looked up only by it."""

from flask import abort
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.tenancy import current_tenant_id


def start(queue_name: str, func: str, *args, kind: str, timeout: int, **meta) -> Job:
    from workers import queue, web_connection

    job = queue(queue_name, web_connection()).enqueue(
        func, *args, job_timeout=timeout, result_ttl=86400, failure_ttl=7 * 86400,
        meta={"tenant_id": current_tenant_id(), "kind": kind, **meta})
    return job


def fetch_or_404(job_id: str, kind: str) -> Job:
    """Another tenant's job, or one of another kind, is simply not found."""
    from workers import web_connection

    try:
        job = Job.fetch(job_id, connection=web_connection())
    except (NoSuchJobError, ValueError):
        abort(404)
    if job.meta.get("tenant_id") != current_tenant_id() or job.meta.get("kind") != kind:
        abort(404)
    return job
