"""The current tenant, and the one place that scopes every query to it.

Every ORM statement that reads, updates or deletes tenant-owned rows gets the criterion
`tenant_id = <current tenant>` added here, through the session's do_orm_execute event with
with_loader_criteria, so no view can forget it. When no tenant is set the statement is refused
(fail closed). New rows get tenant_id stamped before flush. The single way around it is
`all_tenants()`, for the operator console and for finding a user by e-mail at sign-in.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import abort
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from app.models.base import TenantOwned
from app.models.tenant import Tenant

_tenant_id: ContextVar[int | None] = ContextVar("plomba_tenant_id", default=None)
_all_tenants: ContextVar[bool] = ContextVar("plomba_all_tenants", default=False)


class TenancyError(RuntimeError):
    """A tenant-owned table was queried or written with no tenant set."""


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def set_tenant(tenant_id: int | None):
    """Set the current tenant; returns a token for reset_tenant."""
    return _tenant_id.set(tenant_id)


def reset_tenant(token) -> None:
    _tenant_id.reset(token)


@contextmanager
def use_tenant(tenant_id: int) -> Iterator[None]:
    """Run a block (a job, a CLI command, a test) as one tenant."""
    token = _tenant_id.set(tenant_id)
    try:
        yield
    finally:
        _tenant_id.reset(token)


@contextmanager
def all_tenants() -> Iterator[None]:
    """The explicit opt-out: queries inside see every tenant's rows. Only the operator console,
    sign-in's look-up by e-mail and the cross-tenant sweeper use it."""
    token = _all_tenants.set(True)
    try:
        yield
    finally:
        _all_tenants.reset(token)


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    # Walk every table of the statement (FROM, joins, subqueries, select_from), not only the
    # top-level entities: `select(func.count()).select_from(Device)` has none of those.
    for table in find_tables(state.statement, include_joins=True, include_selects=True):
        if "tenant_id" in getattr(table, "c", ()) or getattr(table, "name", None) == "tenant":
            return True
    return any(issubclass(m.class_, TenantOwned | Tenant) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _all_tenants.get() or state.execution_options.get("all_tenants"):
        return
    tenant_id = _tenant_id.get()
    if tenant_id is None:
        if _touches_tenant_data(state) or state.is_relationship_load:
            raise TenancyError("no tenant set for a query of tenant-owned data")
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        ),
        with_loader_criteria(Tenant, lambda cls: cls.id == tenant_id, include_aliases=True),
    )


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    tenant_id = _tenant_id.get()
    bypass = _all_tenants.get()
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenancyError(f"no tenant set for a new {type(obj).__name__}")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id and not bypass:
            raise TenancyError(f"{type(obj).__name__} of another tenant added")
    for obj in session.dirty:
        if isinstance(obj, TenantOwned) and tenant_id is not None and not bypass:
            if obj.tenant_id != tenant_id:
                raise TenancyError(f"{type(obj).__name__} of another tenant changed")


def get_or_404(model, ident, options=None):
    """A tenant-scoped look-up by id from a URL: another tenant's id is simply not found.
    `options` are loader options (eager loads) for the one query."""
    from app.extensions import db

    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.get(model, ident, options=options)
    if obj is None:
        abort(404)
    return obj
