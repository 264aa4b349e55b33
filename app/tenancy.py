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


# --- the second wall: PostgreSQL row-level security ------------------------------------------
# The policies (migration e5b8c2d7f319) read two settings of the transaction; they follow the
# tenant of the code that runs. set_config(..., true) lasts until the transaction ends, so
# every transaction starts by setting them, and a change of tenant inside one sets them again.

def _rls_wanted() -> tuple[str, str]:
    tenant_id = _tenant_id.get()
    return ("" if tenant_id is None else str(tenant_id), "on" if _all_tenants.get() else "off")


def _sync_rls(connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    wanted = _rls_wanted()
    if connection.info.get("plomba_rls") == wanted:
        return
    connection.exec_driver_sql(
        "SELECT set_config('plomba.tenant_id', %(t)s, true), "
        "set_config('plomba.all_tenants', %(a)s, true)", {"t": wanted[0], "a": wanted[1]})
    connection.info["plomba_rls"] = wanted


@event.listens_for(Session, "after_begin")
def _rls_on_begin(session: Session, transaction, connection) -> None:
    connection.info.pop("plomba_rls", None)  # the previous transaction's settings are gone
    _sync_rls(connection)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.session.in_transaction():
        _sync_rls(state.session.connection())
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
    if session.in_transaction():
        _sync_rls(session.connection())
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
