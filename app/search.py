"""Fragment searches: "a piece of the unique or factory number", "a piece of the name".

LIKE '%…%' needs pg_trgm's GIN indexes on PostgreSQL (migration c3a1f0b2d4e5; led by the tenant
since 65ec742f16e2, so a search reads one company's matches). Under
row-level security (the application's role, migration e5b8c2d7f319) PostgreSQL will not use
them: LIKE is not a leakproof operator, so it may only filter rows the policy has already
admitted, and a search of 20,000 devices became a sequential scan (12 -> 47 ms p95). The
functions of migration b7c1d9e3f5a2 search as the tables' owner, limited to the tenant of the
transaction's `plomba.tenant_id` (the very setting the policies read), with a plan made for the
actual pattern. SQLite has neither the indexes nor the policies and gets the plain query.

Names, cities and models are compared folded (app/textfold.py: no case, no diacritics, ł as l),
so "leczyca" finds "Łęczyca" on both databases. A party's name is folded once, when it is set,
into `name_key` (its trigram index serves the fragment); cities and models repeat across many
rows, so their few distinct values are folded here and the rows are then found by equality on
their own indexes. A folding SQL function (PostgreSQL's `unaccent` wrapped in an IMMUTABLE SQL
function) was measured and not used: it cannot be inlined, and at 3.8 us per row a search that
rechecks a few thousand rows would spend more than its whole budget in it.
"""

from sqlalchemy import ColumnElement, Select, func, select

from app.extensions import db
from app.models import Device, Party
from app.textfold import fold

# A typed term is searched as a device number only if it could be one: a digit and 3 or more
# characters (a word such as "sklep" would cost every client search a number look-up).
NUMBER_MIN = 3
# Up to this many matching rows, a list reads them by id and sorts them; beyond, it walks its
# own order and tests each row (app/orders/queries.py, app/devices/routes.py, client_search).
SELECTIVE = 200


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
        found = func.plomba_party_ids(like_fragment(fold(name)), True,
                                      at_most).table_valued("id")
        return select(found.c.id)
    return select(Party.id).where(Party.is_client.is_(True),
                                  Party.name_key.contains(fold(name), autoescape=True))


def party_name_contains(name: str) -> ColumnElement[bool]:
    """A condition on Party (clients and producers): its name contains `name` (any case)."""
    if _postgresql():
        found = func.plomba_party_ids(like_fragment(fold(name)), False,
                                      None).table_valued("id")
        return Party.id.in_(select(found.c.id))
    return Party.name_key.contains(fold(name), autoescape=True)


def number_term(q: str) -> str | None:
    """`q` as a device number fragment (no spaces, upper case), or None if it cannot be one."""
    code = "".join(q.split()).upper()
    if len(code) >= NUMBER_MIN and any(ch.isdigit() for ch in code):
        return code
    return None


def client_ids_by_device_number(q: str) -> Select | None:
    """Ids of the clients owning a device whose unique or factory number contains `q`, or None
    when `q` cannot be a number (the client pickers: "find the client by the device")."""
    code = number_term(q)
    if code is None:
        return None
    return select(Device.client_id).where(Device.id.in_(device_ids_by_number(code)))


def _distinct(column) -> Select:
    """The tenant's distinct non-empty values of `column`, one index probe per value (a
    recursive "next value after this one" over the (tenant, column) index): 18 models among
    20,000 devices in 18 probes, where SELECT DISTINCT read all 20,000 index entries (3.8 ms
    as the application role, docs/sql-plans.md)."""
    values = select(func.min(column).label("v")).where(column > "").cte("v", recursive=True)
    following = select(func.min(column)).where(column > values.c.v).scalar_subquery()
    values = values.union_all(select(following).where(values.c.v.is_not(None)))
    return select(values.c.v).where(values.c.v.is_not(None))


def _folded_values(column, q: str, *, prefix: bool) -> list[str]:
    """The tenant's distinct values of `column` that start with (or contain) `q`, folded; the
    rows are then found by equality on their own indexes."""
    term = fold(q.strip())
    if not term:
        return []
    values = db.session.scalars(_distinct(column)).all()
    if prefix:
        return [v for v in values if fold(v).startswith(term)]
    return [v for v in values if term in fold(v)]


def city_starts_with(q: str) -> ColumnElement[bool]:
    """A condition on Party: its city starts with `q`, folded ("leczyca" -> "Łęczyca")."""
    return Party.city.in_(_folded_values(Party.city, q, prefix=True))


def model_contains(q: str) -> ColumnElement[bool]:
    """A condition on Device: its model contains `q`, folded ("ergo" -> "Ergo", "Ergé")."""
    return Device.model.in_(_folded_values(Device.model, q, prefix=False))
