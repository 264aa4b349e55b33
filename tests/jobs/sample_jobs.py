"""Trivial job functions for the worker tests: importable by name, as rq needs."""

from flask import current_app
from rq import get_current_job
from sqlalchemy import text

from app.extensions import db
from app.tenancy import current_tenant_id, use_tenant


def add(a: int, b: int) -> int:
    return a + b


def record(key: str, value: str) -> str:
    """Write into the job's own Redis, so a test sees the side effect."""
    get_current_job().connection.set(key, value)
    return value


def inside_worker_app(tenant_id: int) -> dict:
    """What a real job relies on: the worker's app context, its database and use_tenant."""
    with use_tenant(tenant_id):
        return {
            "env": current_app.config["ENV_NAME"],
            "redis_url": current_app.config["REDIS_URL"],
            "db": db.session.execute(text("SELECT 1")).scalar(),
            "tenant": current_tenant_id(),
        }
