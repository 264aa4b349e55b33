"""One rq job per fixed id: `enqueue_once(queue, job_id, func, *args, delay=..., **options)`.

An order's sending and the sweeper run under ids of their own (`rzs-order-<tenant>-<order>`,
`rzs-sweeper`), so "is one coming already?" is a question rq answers itself, from where the id
really is, not from a key of ours that can outlive or lose what it stands for:

- in the ScheduledJobRegistry (due later), in the queue's list, or deferred: nothing is
  enqueued. An entry of the ScheduledJobRegistry overdue by more than SCHEDULER_GRACE waits for
  an rq scheduler that is dead or missing (a restart, a lost lock): it is taken out of the
  registry and queued now, so periodic work never depends on the scheduler being alive.
- started: nothing is enqueued when `started_blocks` (the sweeper: one at a time), except by
  the job itself asking for its next run. An order's sending is enqueued again: the running job
  may have claimed its rows before the new ones were written, and a job whose worker was
  killed stays "started" for minutes; rows are claimed atomically, so a second run is safe.
- finished, failed, stopped, canceled or gone: replaced.

The status in the job's hash alone is not enough: a job that schedules its own next run under
its id has its hash overwritten with "finished" when it ends, while its successor waits in the
registry.
"""

from __future__ import annotations

from datetime import timedelta

from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.utils import current_timestamp

# A live rq scheduler moves due jobs every second; one that has not within this grace is dead
# or locked out (a killed worker's lock lives 61 s), and the next check (every 15 s) queues the
# job itself: a sweep due at T runs by T + 25 s whatever became of the scheduler.
SCHEDULER_GRACE = timedelta(seconds=10)
# Two processes asking at once (the after-commit hook and the sweeper, two workers'
# maintenance) must not both enqueue: the check and the enqueue hold this short lock. It only
# serialises the question, it never answers it; a holder killed meanwhile delays it by LOCK_TTL.
LOCK_TTL = 10


def lock_key(job_id: str) -> str:
    return f"plomba:enqueue-lock:{job_id}"


WAITING, OVERDUE, FREE = "waiting", "overdue", "free"


def state(q: Queue, job_id: str, started_blocks: bool = False) -> str:
    """WAITING when a job under `job_id` is still to run (or running, with `started_blocks`);
    OVERDUE when it was due a while ago and the scheduler never moved it (it is taken out of
    the scheduler's hands here); FREE otherwise."""
    registry = ScheduledJobRegistry(queue=q)
    due = q.connection.zscore(registry.key, job_id)
    if due is not None:
        # rq's registry holds rq's wall-clock timestamps, not app.clock's (a test may shift that)
        if due >= current_timestamp() - SCHEDULER_GRACE.total_seconds():
            return WAITING
        registry.remove(job_id)  # the scheduler missed it: the caller queues it now instead
        return OVERDUE
    if q.connection.lpos(q.key, job_id) is not None:
        return WAITING
    try:
        job = Job.fetch(job_id, connection=q.connection)
    except NoSuchJobError:
        return FREE
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and started_blocks:
        current = get_current_job()
        return FREE if current is not None and current.id == job_id else WAITING
    return WAITING if status == JobStatus.DEFERRED else FREE


def enqueue_once(q: Queue, job_id: str, func: str, *args, delay: float = 0,
                 started_blocks: bool = False, **options) -> bool:
    """Enqueue `func(*args)` under `job_id` (in `delay` seconds; at once when an overdue one was
    found, which was due already) unless a job under that id is still to run. True when this
    call enqueued it."""
    lock = lock_key(job_id)
    if not q.connection.set(lock, "1", nx=True, ex=LOCK_TTL):
        return False  # another process is deciding right now
    try:
        found = state(q, job_id, started_blocks)
        if found == WAITING:
            return False
        if delay > 0 and found == FREE:
            q.enqueue_in(timedelta(seconds=delay), func, *args, job_id=job_id, **options)
        else:
            q.enqueue(func, *args, job_id=job_id, **options)
        return True
    finally:
        q.connection.delete(lock)
