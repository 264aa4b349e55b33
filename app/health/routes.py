"""Probes for the load balancer and the orchestrator, outside sign-in, tenants and rate limits.

- `/healthz`: the process answers (nothing else is touched, so a database outage does not get
  every web process restarted).
- `/readyz`: the database answers `SELECT 1` and Redis answers PING, each within about a
  second; 503 names the one that did not (a closed order still waits in the database when only
  Redis is away, but nothing would be sent until it is back).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text

from app.extensions import db, limiter
from app.health import bp

CHECK_TIMEOUT = 1.0  # seconds, per dependency
# The database driver has no per-query connect timeout we can set portably, so the check runs
# in a small pool and is given up after CHECK_TIMEOUT; the pool is small so a hung database
# cannot pile up threads: a busy pool means a slow database, and answers 503 the same way.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")

TEXT = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return "ok\n", 200, TEXT


@bp.get("/readyz")
@limiter.exempt
def readyz():
    failed = [name for name, check in (("database", _database_ok), ("redis", _redis_ok))
              if not check()]
    if failed:
        return f"not ready: {', '.join(failed)}\n", 503, TEXT
    return "ok\n", 200, TEXT


def _database_ok() -> bool:
    app = current_app._get_current_object()

    def select_one() -> None:
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        _pool.submit(select_one).result(timeout=CHECK_TIMEOUT)
        return True
    except (FutureTimeout, Exception):  # noqa: BLE001 - any failure means not ready
        return False


def _redis_ok() -> bool:
    try:
        return bool(_redis().ping())
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


def _redis() -> redis.Redis:
    """A client of its own: a probe gives up after CHECK_TIMEOUT, without the retries of the
    clients that enqueue."""
    url = current_app.config["REDIS_URL"]
    cache = current_app.extensions.setdefault("plomba_probe_redis", {})
    if url not in cache:
        cache[url] = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT,
                                          socket_timeout=CHECK_TIMEOUT,
                                          retry=Retry(NoBackoff(), 0))
    return cache[url]
