"""The orders list: search and filters that stay index-friendly at 100k orders per tenant."""

import re
from dataclasses import dataclass

from sqlalchemy import Select, Subquery, false, or_, select

from app.days import DayRange
from app.extensions import db
from app.models import OPEN_STATUSES, Device, Order, OrderStatus, Party, Technician
from app.orders.access import visible_orders
from app.parties.rules import matching_clients
from app.search import SELECTIVE, device_ids_by_number

CURRENT = OPEN_STATUSES
FINISHED = tuple(s.value for s in OrderStatus if s.value not in OPEN_STATUSES)
NUMBER_RE = re.compile(r"^(?:ZL/)?(?:(\d{4})/)?0*(\d{1,6})$", re.I)


@dataclass
class OrderFilters:
    q: str = ""
    status: str = ""
    producer_id: int | None = None
    technician_id: int | None = None
    days: DayRange = DayRange()
    service_book: str = ""  # "", "1" flagged, "0" not flagged


def search_condition(q: str):
    """Number (ZL/2026/000123, 2026/123 or 123), client name or NIP, factory or unique no.

    The matching clients and devices are looked up first (small tables, covering indexes). A
    selective search then reads only their orders through the (tenant, client) and (tenant,
    device) indexes; an unselective one ("sklep") is written so that no database uses those
    indexes, and the newest-first scan stops after one page."""
    q = q.strip()
    if not q:
        return None
    conditions = []
    number = NUMBER_RE.match(q)
    if number:
        year, seq = number.groups()
        cond = Order.seq == int(seq)
        conditions.append(cond & (Order.year == int(year)) if year else cond)
    clients = matching_clients(q)
    code = re.sub(r"\s+", "", q).upper()
    devices = device_ids_by_number(code)
    client_ids = db.session.scalars(
        matching_clients(q, SELECTIVE + 1).limit(SELECTIVE + 1)).all()
    device_ids = db.session.scalars(device_ids_by_number(code, SELECTIVE + 1)).all()
    if len(client_ids) + len(device_ids) <= SELECTIVE:
        if client_ids:
            conditions.append(Order.client_id.in_(client_ids))
        if device_ids:
            conditions.append(Order.device_id.in_(device_ids))
    else:
        conditions.append((Order.client_id + 0).in_(clients))
        conditions.append((Order.device_id + 0).in_(devices))
    return or_(*conditions) if conditions else false()


def orders_query(view_statuses: tuple[str, ...], f: OrderFilters, user) -> Select:
    """The orders the user may see that pass the filters, as plain columns of the order alone
    (keyset_page picks the page's rows from it; with_names then adds what the list shows)."""
    stmt = (select(Order.id, Order.number, Order.created_at, Order.status, Order.service_book,
                   Order.client_id, Order.device_id, Order.technician_id)
            .where(visible_orders(user)))
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
    start, end = f.days.instants()
    if start:
        stmt = stmt.where(Order.created_at >= start)
    if end:
        stmt = stmt.where(Order.created_at < end)
    if f.service_book in ("0", "1"):
        stmt = stmt.where(Order.service_book.is_(f.service_book == "1"))
    return stmt


def with_names(page: Subquery) -> Select:
    """The list's rows of a page of orders_query: the client's name, the device's numbers and
    the technician's name of its (at most 51) orders, each read by id. Subqueries, not joins:
    SQLite builds a Bloom filter over a joined table's rows (~4 ms per table at 10k-20k rows,
    because the tenant's criterion sits in the join), PostgreSQL would count the tenant twice
    on each (keyset_page); a look-up by id per shown row is the same few buffers on both."""
    def by_id(column, key):
        return select(column).where(column.class_.id == key).scalar_subquery()

    return select(page.c.id, page.c.number, page.c.created_at, page.c.status,
                  page.c.service_book,
                  by_id(Party.name, page.c.client_id).label("client_name"),
                  by_id(Device.unique_no, page.c.device_id).label("unique_no"),
                  by_id(Device.factory_no, page.c.device_id).label("factory_no"),
                  by_id(Technician.name, page.c.technician_id).label("technician_name"))
