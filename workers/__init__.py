"""Background jobs on rq over Redis: the queue names, the connection and `queue(name)`.

The worker is `python -m workers` (see workers/__main__.py): it creates the Flask app once per
process, pushes an app context and listens on every queue, `rzs` first.

Everything outside workers/ enqueues through `workers.jobs` (job rows, an order's RZS events,
Plomba's own mail); a job the user watches is a row of the `job` table, and rq carries only its
id. Rules for job functions (the modules under workers/):

- A job takes ids and plain values (`tenant_id`, `order_id`, a date range), never ORM objects,
  sessions or apps: they are pickled into Redis and the rows may change before the job runs.
- A job runs inside the worker's app context (`db.session`, `current_app.config` work) and
  sets its tenant itself, first thing::

      from app.tenancy import use_tenant

      def send_order(tenant_id: int, order_id: int) -> None:
          with use_tenant(tenant_id):
              ...

- A job must not call `create_app()`: the worker made the one app of its process.
- A job is safe to run twice (a worker may die after the work and before the ack; the sweeper
  re-enqueues what was left pending).
"""

from __future__ import annotations

import redis
from rq import Queue

#: rq queues in the order a worker takes them: registry transmissions first.
RZS = "rzs"
MAIL = "mail"
REPORTS = "reports"
DEFAULT = "default"
QUEUE_NAMES: tuple[str, ...] = (RZS, MAIL, REPORTS, DEFAULT)

_connections: dict[str, redis.Redis] = {}


def redis_url() -> str:
    """REDIS_URL of the current app; outside an app context, of the environment's config."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["REDIS_URL"]
    from app.config import config_from_env

    return config_from_env().REDIS_URL


def redis_connection(url: str | None = None) -> redis.Redis:
    """A Redis client for `url` (default: the app config's REDIS_URL), one per URL and process.

    rq stores pickled bytes, so the client does not decode responses."""
    url = url or redis_url()
    conn = _connections.get(url)
    if conn is None:
        conn = _connections[url] = redis.Redis.from_url(url)
    return conn


def web_connection() -> redis.Redis:
    """A Redis client for web requests that gives up within seconds instead of retrying: a
    page must not hang on a dead Redis (what it enqueues waits in the database meanwhile)."""
    from flask import current_app
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    url = current_app.config["REDIS_URL"]
    cache = current_app.extensions.setdefault("plomba_fast_redis", {})
    if url not in cache:
        cache[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=3,
                                          retry=Retry(NoBackoff(), 0))
    return cache[url]


def queue(name: str = DEFAULT, connection: redis.Redis | None = None) -> Queue:
    """The rq queue `name` (one of QUEUE_NAMES) on the configured Redis."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}; queues: {', '.join(QUEUE_NAMES)}")
    return Queue(name, connection=connection or redis_connection())


__all__ = [
    "DEFAULT",
    "MAIL",
    "QUEUE_NAMES",
    "REPORTS",
    "RZS",
    "queue",
    "redis_connection",
    "redis_url",
    "web_connection",
]


# What a job of a suspended tenant returns instead of running (issue 7: "its jobs do not run").
SUSPENDED = {"skipped": "tenant suspended"}


def tenant_active(tenant_id: int) -> bool:
    """Whether the tenant's jobs may run; call inside tenancy.use_tenant(tenant_id)."""
    from app.extensions import db
    from app.models import Tenant

    tenant = db.session.get(Tenant, tenant_id)
    return tenant is not None and tenant.active
