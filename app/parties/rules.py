"""Rules of the party registry that every entry point shares."""

import re
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Select, or_, select

from app.extensions import db
from app.formatting import sentence
from app.identifiers import IdentifierError, normalize_nip
from app.models import Party
from app.search import (
    city_starts_with,
    client_ids_by_device_number,
    client_ids_by_name,
    party_name_contains,
)


def nip_holder(nip: str, exclude_id: int | None = None) -> Party | None:
    """The party of this tenant that already has the NIP, if any."""
    stmt = select(Party).where(Party.nip == nip)
    if exclude_id is not None:
        stmt = stmt.where(Party.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def nip_problem(raw: str, exclude_id: int | None = None) -> str | None:
    """Why this NIP cannot be saved (Polish), or None."""
    try:
        nip = normalize_nip(raw)
    except IdentifierError as exc:
        return str(exc)
    holder = nip_holder(nip, exclude_id)
    if holder is not None:
        return "Kontrahent z tym NIP już istnieje: " + sentence(holder.name)
    return None


def api_url_problem(value: str) -> str | None:
    """Why a producer's registry address (API URL) is unusable (Polish), or None; empty is
    allowed (not configured yet). Parsed the way the registry client will: urllib refuses
    `https://[::1` and a port past 65535 with ValueError (only when .port is read), httpx
    with InvalidURL."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
        ok = (parts.scheme in ("https", "http") and bool(parts.hostname)
              and (parts.port is None or parts.port > 0))
        httpx.URL(value)
    except (ValueError, httpx.InvalidURL):
        ok = False
    if not ok or any(ch.isspace() for ch in value):
        return "Podaj pełny adres, np. https://rzs.producent.pl/api."
    return None



# Up to this many matching clients, the client list reads them by id and sorts them by name.
BY_ID = 1000


def producer_search(q: str):
    """Conditions for the producers' search box (a handful of rows): name fragment, city."""
    q = (q or "").strip()
    if not q:
        return None
    return or_(party_name_contains(q), city_starts_with(q))


def client_search(q: str):
    """Conditions for the client search box and pickers: name fragment, NIP with or without
    dashes, city (all folded: "leczyca" finds "Łęczyca"), a fragment of the unique or factory
    number of one of the client's devices.

    The matching clients are looked up first. Up to BY_ID of them are read by id and sorted
    (a common surname, 362 of 10,000 clients: 0.9 ms); more ("sklep": 2,500, 20 ms that way)
    are found by walking the clients in name order, which reaches a page quickly when so many
    match. Walking for a few hundred spread over 10,000 names read 1,500 rows (11 ms,
    docs/sql-plans.md)."""
    q = (q or "").strip()
    if not q:
        return None
    by_name = matching_clients(q)
    by_device = client_ids_by_device_number(q)
    ids = set(db.session.scalars(matching_clients(q, BY_ID + 1).limit(BY_ID + 1)))
    if by_device is not None and len(ids) <= BY_ID:
        ids.update(db.session.scalars(by_device.limit(BY_ID + 1)))
    conditions = [city_starts_with(q)]
    if len(ids) <= BY_ID:
        conditions.append(Party.id.in_(sorted(ids)))
    else:  # `+ 0`: no index on id for these, the walk in name order is the plan
        conditions.append((Party.id + 0).in_(by_name))
        if by_device is not None:
            conditions.append((Party.id + 0).in_(by_device))
    return or_(*conditions)


def matching_clients(q: str, at_most: int | None = None) -> Select:
    """Ids of clients whose name contains q, or whose NIP starts with q's digits (3 or more).
    Two index scans: a NIP prefix is a range on the (tenant, nip) index. `at_most`: a hint
    for the name search (app/search.py); the caller limits the result."""
    stmt = client_ids_by_name(q, at_most)
    digits = re.sub(r"[\s-]", "", q).upper().removeprefix("PL")
    if len(digits) >= 3 and digits.isdigit():
        upper = digits[:-1] + chr(ord(digits[-1]) + 1)  # "529" -> "52:", past every "529…"
        stmt = stmt.union(select(Party.id).where(Party.is_client.is_(True), Party.nip >= digits,
                                                 Party.nip < upper))
    return stmt
