"""Lists that stay fast at 100k rows: keyset pagination on (sort key, id) with an opaque cursor,
so page 500 costs what page 1 costs (no OFFSET)."""

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, tuple_

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
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None


def keyset_page(stmt: Select, key_columns: list, cursor: str | None, *, descending: bool = False,
                size: int = PAGE_SIZE, row_key=None) -> Page:
    """Run `stmt` ordered by key_columns (the last one unique, e.g. id) after the cursor.
    row_key(item) gives the key values of an item; by default the columns' attribute names."""
    after = decode_cursor(cursor)
    if after is not None and len(after) == len(key_columns):
        keys = tuple_(*key_columns)
        stmt = stmt.where(keys < tuple_(*after) if descending else keys > tuple_(*after))
    order = [c.desc() for c in key_columns] if descending else list(key_columns)
    rows = list(db.session.scalars(stmt.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        values = row_key(last) if row_key else [getattr(last, c.key) for c in key_columns]
        next_cursor = encode_cursor(list(values))
    return Page(rows, next_cursor, first=after is None)
