"""A closed, flagged order -> the RZS events of rzs-api.md, as the seed says what each carries.

P, F and L items give one short event each (PU, F, L) with the execution date of the item; all
other items entered in the service book (ordinary services and W) give one long event N per
order, with the order's start and end and its book tab. Taxpayer and location come from the
device's record ("pobierane z ewidencji kasy"), the seal number from the order.
"""

from datetime import date

from app.formatting import WARSAW
from app.models import BOOK_TEXT_FIELDS, Device, Order, OrderItem, Party, Tenant

SHORT_KINDS = {"P": "PU", "F": "F", "L": "L"}


def event_id(order: Order, item: OrderItem | None) -> str:
    """Stable across resends, so the registry recognises a resend: tenant, order, item."""
    suffix = f"P{item.id}" if item is not None else "N"
    return f"T{order.tenant_id}-O{order.id}-{suffix}"


def _address(party_or_location) -> dict:
    return {"street": party_or_location.street or "",
            "postal_code": party_or_location.postal_code or "",
            "city": party_or_location.city or ""}


def _common(order: Order, tenant: Tenant) -> dict:
    device: Device = order.device
    taxpayer: Party = device.client
    location = device.location or order.location
    technician = order.technician
    return {
        "factory_no": device.factory_no,
        "unique_no": device.unique_no,
        "technician": {"name": technician.name if technician else "", "seal_no": order.seal_no},
        "taxpayer": {"nip": taxpayer.nip or "", "name": taxpayer.name, **_address(taxpayer)},
        "location": ({"name": location.name or "", **_address(location)} if location
                     else {"name": "", **_address(taxpayer)}),
        "service": {"nip": tenant.nip, "name": tenant.name},
    }


def _iso(moment) -> str:
    return moment.astimezone(WARSAW).isoformat(timespec="seconds") if moment else ""


def long_items(order: Order) -> list[OrderItem]:
    return [i for i in order.items if i.special_kind not in SHORT_KINDS and i.service_book]


def build_events(order: Order, tenant: Tenant) -> list[dict]:
    """The events of a flagged order; none for an order without the service-book flag."""
    if not order.service_book:
        return []
    common = _common(order, tenant)
    events = []
    for item in order.items:
        if item.special_kind in SHORT_KINDS:
            events.append({"id": event_id(order, item), "kind": SHORT_KINDS[item.special_kind],
                           "performed_on": _day(item.performed_on), **common})
    rest = long_items(order)
    if rest:
        book = order.book
        book_fields = {name: (getattr(book, name) or "") if book else ""
                       for name in BOOK_TEXT_FIELDS}
        book_fields["services"] = ", ".join(item.name for item in rest)
        book_fields["next_inspection_on"] = _day(book.next_inspection_on) if book else ""
        performed = max((i.performed_on for i in rest if i.performed_on), default=None)
        events.append({"id": event_id(order, None), "kind": "N",
                       "performed_on": _day(performed), **common,
                       "started_at": _iso(order.started_at),
                       "finished_at": _iso(order.finished_at), "book": book_fields})
    return events


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
