"""Fragment searches: "a piece of the unique or factory number", "a piece of the name".

LIKE '%…%' needs pg_trgm's GIN indexes on PostgreSQL (migration c3a1f0b2d4e5). Under
row-level security (the application's role, migration e5b8c2d7f319) PostgreSQL will not use
them: LIKE is not a leakproof operator, so it may only filter rows the policy has already
admitted, and a search of 20,000 devices became a sequential scan (12 -> 47 ms p95). The
functions of migration b7c1d9e3f5a2 search as the tables' owner, limited to the tenant of the
transaction's `plomba.tenant_id` (the very setting the policies read), with a plan made for the
actual pattern. SQLite has neither the indexes nor the policies and gets the plain query.
"""

from sqlalchemy import ColumnElement, Select, func, select

from app.extensions import db
from app.models import Device, Party


def _escaped(text: str) -> str:
    # A '%' or '_' typed in a search box is a character to find, not a wildcard.
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def like_fragment(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's own characters escaped by '/'
    (SQLAlchemy's autoescape character, which the functions declare too)."""
    return f"%{_escaped(text)}%"


def contains(column, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, any case, every character literally: the one way a search
    box becomes a LIKE (services, technicians); ILIKE keeps a trigram index usable."""
    return column.ilike(like_fragment(text), escape="/")


def starts_with(column, text: str) -> ColumnElement[bool]:
    """`column` starts with `text`, any case, every character literally (the client's city)."""
    return column.ilike(f"{_escaped(text)}%", escape="/")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def device_ids_by_number(number: str, limit: int | None = None) -> Select:
    """Ids of the tenant's devices whose unique or factory number contains `number` (already
    normalised: no spaces, upper case)."""
    if _postgresql():
        found = func.plomba_device_ids(like_fragment(number), limit).table_valued("id")
        return select(found.c.id)
    stmt = select(Device.id).where(Device.unique_no.contains(number, autoescape=True)).union(
        select(Device.id).where(Device.factory_no.contains(number, autoescape=True)))
    return stmt.limit(limit) if limit is not None else stmt


def client_ids_by_name(name: str, at_most: int | None = None) -> Select:
    """Ids of the tenant's clients whose name contains `name` (any case). `at_most` lets
    PostgreSQL stop early; the caller still limits the result (SQLite ignores it here)."""
    if _postgresql():
        found = func.plomba_party_ids(like_fragment(name.lower()), True,
                                      at_most).table_valued("id")
        return select(found.c.id)
    return select(Party.id).where(Party.is_client.is_(True),
                                  Party.name_key.contains(name.lower(), autoescape=True))


def party_name_contains(name: str) -> ColumnElement[bool]:
    """A condition on Party (clients and producers): its name contains `name` (any case)."""
    if _postgresql():
        found = func.plomba_party_ids(like_fragment(name.lower()), False,
                                      None).table_valued("id")
        return Party.id.in_(select(found.c.id))
    return Party.name_key.contains(name.lower(), autoescape=True)
