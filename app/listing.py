"""Lists that stay fast at 100k rows: keyset pagination on (sort key, id) with an opaque cursor,
so page 500 costs what page 1 costs (no OFFSET)."""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Select, Subquery, any_, bindparam, literal, literal_column, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from app.bounds import clean_text, day_in_range, int_or_none, numeric_problem
from app.extensions import db

PAGE_SIZE = 50


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    first: bool


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError):  # [[[[... nests past the stack
        return None
    return values if isinstance(values, list) else None


def _restore(column, value):
    """A cursor value back in its column's type: JSON keeps dates and decimals as text, which
    PostgreSQL will not compare with a date or numeric column. ValueError for a value that cannot
    be one, or that the database could not compare (a hand-edited cursor: 1e30, 2**64, NUL)."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type in (date, datetime):
        if not isinstance(value, str):
            raise ValueError(value)
        restored = python_type.fromisoformat(value)
        day = restored.date() if isinstance(restored, datetime) else restored
        if not day_in_range(day):
            raise ValueError(value)
        return restored
    if python_type is Decimal:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(value)
        try:
            restored = Decimal(value)
        except ArithmeticError:  # decimal.InvalidOperation
            raise ValueError(value) from None
        if numeric_problem(restored, column):
            raise ValueError(value)
        return restored
    if python_type is int:
        if type(value) is not int or int_or_none(value) is None:
            raise ValueError(value)
        return value
    if python_type is str:
        if type(value) is not str or clean_text(value) != value:
            raise ValueError(value)
        return value
    return value


def keyset_bound(key_columns: list, values) -> tuple | None:
    """`values` (from a cursor) restored to the columns' types as a row value to compare the
    columns with, or None when they are not a key of these columns (a cursor not ours)."""
    if not isinstance(values, list) or len(values) != len(key_columns):
        return None
    try:
        return tuple_(*(literal(_restore(c, v), c.type)
                        for c, v in zip(key_columns, values, strict=True)))
    except (ValueError, TypeError, OverflowError):
        return None


def keyset_page(stmt: Select, key_columns: list, cursor: str | None, *, descending: bool = False,
                size: int = PAGE_SIZE, row_key=None,
                outer: Callable[[Subquery], Select] | None = None) -> Page:
    """Run `stmt` ordered by key_columns (the last one unique, e.g. id) after the cursor.
    row_key(item) gives the key values of an item; by default the columns' attribute names.

    `outer(page)`, when given, receives the page's rows of `stmt` as a subquery and returns
    what the list shows of them (names of related rows), run in the same statement: the rows
    are then chosen on `stmt`'s table alone. Under row-level security the planner counts the tenant
    twice on every joined table (the query's `tenant_id = ?` and the policy's), so a join
    makes it expect ~1/N of the rows with N companies, and with a LIMIT it then sorts every
    match instead of walking the index newest first (docs/sql-plans.md, the orders search)."""
    after = decode_cursor(cursor)
    if after is not None and len(after) != len(key_columns):
        after = None
    if after is not None:
        try:
            bound = tuple_(*(literal(_restore(c, v), c.type)
                             for c, v in zip(key_columns, after, strict=True)))
        except (ValueError, TypeError, OverflowError):
            after = None  # a cursor that is not ours: start from the first page
        else:
            keys = tuple_(*key_columns)
            stmt = stmt.where(keys < bound if descending else keys > bound)
    order = [c.desc() for c in key_columns] if descending else list(key_columns)
    # The LIMIT is a literal (our own integer): as a parameter, PostgreSQL's generic plan of the
    # prepared statement cannot know it, prices the walk as if it read a tenth of the table,
    # keeps choosing a custom plan and so plans the page again at every execution (~1 ms).
    stmt = stmt.order_by(*order).limit(literal_column(str(int(size) + 1), Integer))
    if outer is not None:
        page = stmt.subquery("page")
        keys = [page.c[c.key] for c in key_columns]
        stmt = outer(page).order_by(*(k.desc() if descending else k for k in keys))
    result = db.session.execute(stmt)
    # select(Entity) gives entities; a select of columns gives rows (lists read as columns).
    rows = list(result.scalars() if len(stmt.column_descriptions) == 1 else result)
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        values = row_key(last) if row_key else [getattr(last, c.key) for c in key_columns]
        next_cursor = encode_cursor(list(values))
    return Page(rows, next_cursor, first=after is None)


def among(column, ids: list[int]):
    """`column IN ids`, for what a page shows of its rows' related records. On PostgreSQL one
    array parameter (`= ANY`): a page's fifty ids as fifty placeholders cost SQLAlchemy and
    psycopg about 1 ms a statement to render and split (the Przeglądy page's facts: 1.8 ms
    against 0.9 ms, BENCHMARKS.md session 6), and one parameter keeps the statement's text the
    same whatever the page, so it stays prepared. SQLite has no arrays: IN."""
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(ids)
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))


def constant(value: str):
    """A value of the code's own (a status), written into the statement instead of bound. A
    generic plan of a prepared statement does not know a bound value; with the statuses bound,
    PostgreSQL priced the technician filter's generic plan a third above its custom one (the
    same plan) and so planned that page again at every execution (~1.2 ms, BENCHMARKS.md
    session 6). Only for constants: never for what a user typed."""
    return literal(value, literal_execute=True)
