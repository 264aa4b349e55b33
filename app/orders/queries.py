"""The orders list: search and filters that stay index-friendly at 100k orders per tenant."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from app.models import Device, Order, Party

CURRENT = ("new", "started")
FINISHED = ("closed", "settled", "cancelled")
NUMBER_RE = re.compile(r"^(?:ZL/)?(?:(\d{4})/)?0*(\d{1,6})$", re.I)


@dataclass
class OrderFilters:
    q: str = ""
    status: str = ""
    producer_id: int | None = None
    technician_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    service_book: str = ""  # "", "1" flagged, "0" not flagged


def search_condition(q: str):
    """Number (ZL/2026/000123, 2026/123 or 123), client name or NIP, factory or unique no."""
    q = q.strip()
    if not q:
        return None
    conditions = []
    number = NUMBER_RE.match(q)
    if number:
        year, seq = number.groups()
        cond = Order.seq == int(seq)
        conditions.append(cond & (Order.year == int(year)) if year else cond)
    clients = select(Party.id).where(Party.is_client.is_(True), or_(
        Party.name_key.contains(q.lower(), autoescape=True),
        Party.nip.startswith(re.sub(r"[\s-]", "", q), autoescape=True)))
    conditions.append(Order.client_id.in_(clients))
    code = re.sub(r"\s+", "", q).upper()
    devices = select(Device.id).where(or_(Device.unique_no.contains(code, autoescape=True),
                                          Device.factory_no.contains(code, autoescape=True)))
    conditions.append(Order.device_id.in_(devices))
    return or_(*conditions)


def orders_query(view_statuses: tuple[str, ...], f: OrderFilters) -> Select:
    stmt = select(Order).options(joinedload(Order.client), joinedload(Order.device),
                                 joinedload(Order.technician))
    statuses = (f.status,) if f.status in view_statuses else view_statuses
    stmt = stmt.where(Order.status.in_(statuses))
    condition = search_condition(f.q)
    if condition is not None:
        stmt = stmt.where(condition)
    if f.producer_id:
        stmt = stmt.where(Order.device_id.in_(
            select(Device.id).where(Device.producer_id == f.producer_id)))
    if f.technician_id:
        stmt = stmt.where(Order.technician_id == f.technician_id)
    if f.date_from:
        stmt = stmt.where(Order.created_at >= _start_of(f.date_from))
    if f.date_to:
        stmt = stmt.where(Order.created_at < _start_of(f.date_to + timedelta(days=1)))
    if f.service_book in ("0", "1"):
        stmt = stmt.where(Order.service_book.is_(f.service_book == "1"))
    return stmt


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
