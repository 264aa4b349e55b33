"""Rules of the party registry that every entry point shares."""

import re

from sqlalchemy import Select, or_, select

from app.extensions import db
from app.formatting import sentence
from app.identifiers import IdentifierError, normalize_nip
from app.models import Party
from app.search import client_ids_by_name, party_name_contains, starts_with


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


def client_search(q: str):
    """Conditions for the client search box: name fragment, NIP with or without dashes, city."""
    q = (q or "").strip()
    if not q:
        return None
    conditions = [party_name_contains(q), starts_with(Party.city, q)]
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) == len(q.replace("-", "").replace(" ", "").removeprefix("PL")):
        conditions.append(Party.nip.startswith(digits))
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


POSTAL_HINT = "Kod pocztowy w formacie 00-000."


def postal_code_problem(value: str) -> str | None:
    """Why this postal code cannot be saved (Polish), or None; empty is allowed here (a site's
    form requires it on its own). The forms and the file import share it."""
    value = value or ""
    if value and not (len(value) == 6 and value[2] == "-"
                      and (value[:2] + value[3:]).isdigit()):
        return POSTAL_HINT
    return None
