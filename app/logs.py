"""Log lines: one JSON object a line in production, readable text in development.

Every record carries the context of the work it was written in, so one order can be followed
from its close to the registry's reply with a single filter (`order == "ZS/12/2026"`):

- `tenant`: the tenant of the request or job (app.tenancy's context, set by the request hook
  and by `use_tenant` in every job);
- `job`: the rq job being run (rq's own current job, in the work horse);
- `order`: the order being sent, bound with `bind(order=...)` where the send happens.

The fields are added by a log record factory, not by a handler, so they reach every handler
(pytest's caplog too) and cost nothing when nobody formats them. LOG_FORMAT (app.config)
chooses the root handler's format: `json` or `text`.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from app import tenancy

_bound: ContextVar[dict | None] = ContextVar("plomba_log_fields", default=None)
# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_HANDLER_NAME = "plomba"


@contextmanager
def bind(**fields) -> Iterator[None]:
    """Add fields to every record logged inside the block (nested blocks add to the outer)."""
    token = _bound.set({**(_bound.get() or {}), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


@contextmanager
def order(order_id: int) -> Iterator[None]:
    """Bind the order (its number, as people search for it, and its id) inside the block;
    call inside the order's tenant."""
    from app.extensions import db
    from app.models import Order

    found = db.session.get(Order, order_id)
    with bind(order=found.number if found else None, order_id=order_id):
        yield


def _current_job_id() -> str | None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # noqa: BLE001 - outside a worker there is no job, never an error
        return None
    return job.id if job is not None else None


def _context() -> dict:
    fields = {"tenant": tenancy.current_tenant_id(), "job": _current_job_id()}
    fields.update(_bound.get() or {})
    return fields


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    # One attribute of its own: logging refuses an `extra=` key that the record already has.
    record.plomba_context = _context()
    return record


def context_of(record: logging.LogRecord) -> dict:
    """The record's context fields that are set, overridden by its `extra=` values."""
    fields = {k: v for k, v in getattr(record, "plomba_context", {}).items() if v is not None}
    for name, value in vars(record).items():
        if name not in _STANDARD and name != "plomba_context" and value is not None \
                and not name.startswith("_"):
            fields[name] = value
    return fields


# Installed on import, once: the factory wraps the one that was there before.
if getattr(logging.getLogRecordFactory(), "__name__", "") != _record_factory.__name__:
    logging.setLogRecordFactory(_record_factory)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the context
    fields that are set, any `extra=` values, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(context_of(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`make run`: time, level, logger, message, then the context fields that are set."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(f"{name}={value}" for name, value in context_of(record).items())
        return f"{text} [{context}]" if context else text


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT must be json or text, not {kind!r}")


def configure(kind: str, level: int | str = logging.INFO) -> None:
    """The root logger writes to stderr in `kind`. Called again (another app in the same
    process, a worker after the web's create_app) it replaces its own handler, not adds one."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(kind))
    root.addHandler(handler)
    root.setLevel(level)
