""""Wyślij zlecenia": what a producer's batch for a date range carries.

The seed's rule: every order in the range with "Wpis do książki serwisowej" goes to the
producer. So the batch does not rely on outbox rows written at closing (orders closed before
the producer had its API parameters, imported ones, an online producer whose parameters were
wrong): it builds the events of every flagged closed or settled order of the producer closed in
the range, and sends those not delivered yet (the registry recognises an event by its id, and
an id already delivered is not sent again). The preview on the producer page and the job use
the same function, so the counts shown before the button are what the job sends.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.formatting import day_range
from app.models import Device, Order, OrderStatus, Party, Tenant, Transmission
from app.rzs import dispatch, payload, preflight

KIND_LABELS = {"PU": "przeglądy (PU)", "F": "fiskalizacje (F)", "L": "likwidacje (L)",
               "N": "naprawy i inne wpisy (N)"}
DONE_STATUSES = (OrderStatus.CLOSED.value, OrderStatus.SETTLED.value)


@dataclass
class Plan:
    """The events of the range: to send (per kind), held for correction, delivered before."""

    to_send: dict[str, int] = field(default_factory=dict)
    held: int = 0
    delivered: int = 0
    orders: int = 0

    @property
    def total(self) -> int:
        return sum(self.to_send.values())

    def kinds(self) -> list[tuple[str, int]]:
        return [(KIND_LABELS[k], self.to_send[k]) for k in KIND_LABELS if self.to_send.get(k)]


def _closed_on():
    # A settled order was closed on the way; an old one may carry only its settlement.
    return func.coalesce(Order.closed_at, Order.settled_at)


def orders_in_range(producer_id: int, day_from: date, day_to: date) -> list[Order]:
    """Flagged closed or settled orders of the producer's devices closed in the range."""
    start, end = day_range(day_from, day_to)
    return list(db.session.scalars(
        select(Order).join(Device, Device.id == Order.device_id)
        .where(Device.producer_id == producer_id, Order.service_book.is_(True),
               Order.status.in_(DONE_STATUSES), _closed_on() >= start, _closed_on() < end)
        .options(selectinload(Order.items),
                 joinedload(Order.device).joinedload(Device.client),
                 joinedload(Order.device).joinedload(Device.location),
                 joinedload(Order.technician), joinedload(Order.book),
                 joinedload(Order.location))
        .order_by(Order.id)))


def _events(producer_id: int, day_from: date, day_to: date):
    """(order, event, existing row or None) for every event of the range's orders."""
    orders = orders_in_range(producer_id, day_from, day_to)
    if not orders:
        return
    tenant = db.session.get(Tenant, orders[0].tenant_id)
    built = [(order, ev) for order in orders for ev in payload.build_events(order, tenant)]
    # The rows of these events only, by id: an order may carry many more rows (imported ones,
    # earlier versions), and loading them all would cost the batch what it sends.
    ids = [ev["id"] for _order, ev in built]
    rows: dict[str, Transmission] = {}
    for start in range(0, len(ids), 500):
        rows.update((t.event_id, t) for t in db.session.scalars(
            select(Transmission).where(Transmission.event_id.in_(ids[start:start + 500]))))
    for order, ev in built:
        yield order, ev, rows.get(ev["id"])


def plan(producer_id: int, day_from: date, day_to: date) -> Plan:
    """What "Wyślij zlecenia" would send for the range now; changes nothing."""
    result = Plan()
    built, orders = set(), set()
    for order, ev, row in _events(producer_id, day_from, day_to):
        built.add(ev["id"])
        orders.add(order.id)
        if row is not None and row.status in (dispatch.DELIVERED, dispatch.SENDING):
            result.delivered += row.status == dispatch.DELIVERED
            continue
        if preflight.problems(ev):
            result.held += 1
        else:
            result.to_send[ev["kind"]] = result.to_send.get(ev["kind"], 0) + 1
    result.orders = len(orders)
    for kind, event_id in _pending_rows(producer_id, day_from, day_to):
        if event_id not in built:  # a row no current event stands for: it waits all the same
            result.to_send[kind] = result.to_send.get(kind, 0) + 1
    return result


def _pending_query(producer_id: int, day_from: date, day_to: date, *columns):
    start, end = day_range(day_from, day_to)
    return (select(*columns).join(Order, Order.id == Transmission.order_id)
            .where(Transmission.producer_id == producer_id,
                   Transmission.status == dispatch.PENDING,
                   _closed_on() >= start, _closed_on() < end))


def _pending_rows(producer_id: int, day_from: date, day_to: date) -> list[tuple[str, str]]:
    return list(db.session.execute(_pending_query(producer_id, day_from, day_to,
                                                  Transmission.kind, Transmission.event_id)))


def stage_range(producer_id: int, day_from: date, day_to: date) -> tuple[list[int], int]:
    """Write the range's events to the outbox (new rows, not-delivered ones refreshed with the
    current data, failing ones held) and return the ids of the rows to send, in id order, and
    how many events are held for correction. The caller commits."""
    producer = db.session.get(Party, producer_id)
    held = 0
    for order, ev, row in _events(producer_id, day_from, day_to):
        if row is not None and row.status in (dispatch.DELIVERED, dispatch.SENDING):
            continue
        if row is None or row.status != dispatch.PENDING or row.payload != ev:
            # (a row waiting with this very data keeps its schedule)
            row = dispatch.stage(order, ev, row, producer.id)
        held += row.status == dispatch.HELD
    db.session.flush()
    return list(db.session.scalars(
        _pending_query(producer_id, day_from, day_to, Transmission.id)
        .order_by(Transmission.id))), held
