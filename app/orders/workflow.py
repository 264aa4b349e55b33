"""The rules of a service order, enforced here for every entry point (screens, API, jobs).

States: new -> started -> closed -> settled, or cancelled from new or started. A closed order may
be reopened (back to started) by owners and office staff only; that voids its pending
transmissions. Settling (the sale document) is office work too: a technician closes. Settling
a started order closes it on the way ("zamknąć lub od razu rozliczyć").
Every change is audited; every failure is a WorkflowError with a message for the user, raised
before anything is changed. Concurrent changes of one order are caught by its version column
(optimistic locking): the loser gets ConcurrentChange and its transaction is rolled back.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import audit, bounds, clock
from app.devices import inspection
from app.extensions import db
from app.models import (
    BOOK_FIELDS,
    OPEN_STATUSES,
    Device,
    DeviceStatus,
    Location,
    Order,
    OrderBook,
    OrderCounter,
    OrderItem,
    OrderStatus,
    Party,
    Service,
    Technician,
    Transmission,
    TransmissionStatus,
)
from app.orders.access import COMPANY_ROLES, may_assign
from app.rzs import dispatch

NEW, STARTED, CLOSED, SETTLED, CANCELLED = (s.value for s in OrderStatus)
ACTIONS = ("start", "close", "settle", "cancel", "reopen")
ACTION_LABELS = {
    "start": "Rozpocznij zlecenie",
    "close": "Zamknij zlecenie",
    "settle": "Rozlicz",
    "cancel": "Anuluj",
    "reopen": "Otwórz ponownie",
}
# Which states each action starts from; the first matching target is the result.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((NEW,), STARTED),
    "close": ((STARTED,), CLOSED),
    "settle": ((STARTED, CLOSED), SETTLED),
    "cancel": ((NEW, STARTED), CANCELLED),
    "reopen": ((CLOSED,), STARTED),
}
EDITABLE = OPEN_STATUSES
REOPEN_ROLES = tuple(role.value for role in COMPANY_ROLES)
# Settling records the sale document (invoice or receipt number): the office's bookkeeping,
# not the technician's. He closes the order in the field; the office settles it.
SETTLE_ROLES = tuple(role.value for role in COMPANY_ROLES)
ROLE_REFUSALS = {
    "reopen": (REOPEN_ROLES, "Ponownie otworzyć zlecenie może tylko właściciel lub biuro."),
    "settle": (SETTLE_ROLES, "Rozliczyć zlecenie może tylko właściciel lub biuro."),
}


class WorkflowError(Exception):
    """An action the order's state or data does not allow; the message is for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConcurrentChange(WorkflowError):
    def __init__(self):
        super().__init__("Zlecenie zostało w międzyczasie zmienione przez innego użytkownika. "
                         "Odśwież stronę i sprawdź jego stan.")


@dataclass
class Actor:
    user_id: int | None
    role: str


def state_refusal(order: Order, action: str) -> str | None:
    """Why the action is not possible in the order's current state, or None."""
    sources, _target = TRANSITIONS[action]
    if order.status in sources:
        return None
    status = OrderStatus(order.status).label.lower()
    if action == "close" and order.status == NEW:
        return "Najpierw rozpocznij zlecenie (Rozpocznij zlecenie), potem je zamknij."
    if action == "close" and order.status == CLOSED:
        return "Zlecenie jest już zamknięte."
    if action == "settle" and order.status == SETTLED:
        return "Zlecenie jest już rozliczone."
    if action == "settle" and order.status == NEW:
        return "Nie można rozliczyć zlecenia, które nie zostało rozpoczęte."
    if action == "start" and order.status == STARTED:
        return "Zlecenie jest już rozpoczęte."
    if action == "cancel" and order.status == CANCELLED:
        return "Zlecenie jest już anulowane."
    if action == "reopen":
        return "Ponownie otworzyć można tylko zamknięte, nierozliczone zlecenie."
    return f"Tej czynności nie można wykonać na zleceniu o stanie „{status}”."


def role_refusal(action: str, role: str) -> str | None:
    """Why this role may not do the action at all, or None."""
    roles, message = ROLE_REFUSALS.get(action, (None, ""))
    return message if roles is not None and role not in roles else None


def available_actions(order: Order, role: str) -> list[str]:
    return [a for a in ACTIONS
            if state_refusal(order, a) is None and role_refusal(a, role) is None]


# --- creation ------------------------------------------------------------------------------

def next_number(year: int) -> tuple[int, str]:
    """The next order number of the tenant for the year, never reused: an atomic increment of
    the counter row (UPDATE ... RETURNING), which serialises concurrent creations."""
    for _attempt in range(3):
        seq = db.session.execute(
            update(OrderCounter).where(OrderCounter.year == year)
            .values(last_seq=OrderCounter.last_seq + 1).returning(OrderCounter.last_seq)
        ).scalar()
        if seq is not None:
            return seq, f"ZL/{year}/{seq:06d}"
        try:
            with db.session.begin_nested():
                db.session.add(OrderCounter(year=year, last_seq=0))
        except IntegrityError:
            pass  # another request created the year's counter first; increment that one
    raise RuntimeError("order counter could not be incremented")


def create_order(actor: Actor, *, client_id: int, location_id: int | None, device_id: int,
                 technician_id: int | None, description: str = "",
                 now: datetime | None = None) -> Order:
    now = now or clock.now()
    client = db.session.get(Party, client_id) if client_id else None
    if client is None or not client.is_client:
        raise WorkflowError("Wybierz klienta.", "client_id")
    device = db.session.get(Device, device_id) if device_id else None
    if device is None or device.client_id != client.id:
        raise WorkflowError("Wybierz urządzenie tego klienta.", "device_id")
    if device.status == DeviceStatus.LIQUIDATED.value:
        raise WorkflowError("Urządzenie jest zlikwidowane: nie przyjmuje nowych zleceń.",
                            "device_id")
    location = _location_of(client, location_id or device.location_id)
    technician = _technician(actor, technician_id)
    year = clock.business_date(now).year  # numbering follows the Polish calendar year
    seq, number = next_number(year)
    order = Order(number=number, year=year, seq=seq, client_id=client.id,
                  location_id=location.id if location else None, device_id=device.id,
                  technician_id=technician.id if technician else None,
                  seal_no=technician.seal_no if technician else "",
                  description=description, created_by_id=actor.user_id)
    db.session.add(order)
    db.session.flush()
    audit.record("order.created", order, number, actor.user_id)
    return order


def _location_of(client: Party, location_id: int | None) -> Location | None:
    if location_id is None:
        return None
    location = db.session.get(Location, location_id)
    if location is None or location.client_id != client.id:
        raise WorkflowError("Wybierz miejsce instalacji tego klienta.", "location_id")
    return location


def _technician(actor: Actor, technician_id: int | None,
                current_id: int | None = None) -> Technician | None:
    """The technician chosen for an order: an active one the actor may give it to (the one
    already on it stays allowed, so saving other data does not trip over him)."""
    if technician_id is None:
        return None
    technician = db.session.get(Technician, technician_id)
    if technician is None or not technician.active:
        raise WorkflowError("Wybierz aktywnego serwisanta.", "technician_id")
    if technician.id != current_id and not may_assign(actor.role, actor.user_id, technician):
        raise WorkflowError("Serwisant może przypisać zlecenie tylko sobie.", "technician_id")
    return technician


# --- editing -------------------------------------------------------------------------------

def _require_editable(order: Order) -> None:
    if order.status not in EDITABLE:
        raise WorkflowError(
            f"Zlecenie jest {OrderStatus(order.status).label.lower()}: nie można go zmieniać."
            + (" Otwórz je ponownie, aby poprawić dane." if order.status == CLOSED else ""))


def update_header(actor: Actor, order: Order, *, location_id: int | None,
                  technician_id: int | None, started_at: datetime | None,
                  finished_at: datetime | None, description: str) -> None:
    _require_editable(order)
    location = _location_of(order.client, location_id)
    technician = _technician(actor, technician_id, order.technician_id)
    if started_at is not None and order.status == NEW:
        raise WorkflowError("Datę rozpoczęcia ustawia „Rozpocznij zlecenie”.", "started_at")
    if order.status == STARTED and started_at is None:
        raise WorkflowError("Podaj datę i godzinę rozpoczęcia.", "started_at")
    if finished_at is not None and started_at is not None and finished_at < started_at:
        raise WorkflowError("Zakończenie nie może być wcześniejsze niż rozpoczęcie.",
                            "finished_at")
    changes = []
    if order.technician_id != (technician.id if technician else None):
        changes.append(f"serwisant: {technician.name if technician else 'brak'}")
    order.location_id = location.id if location else None
    order.technician_id = technician.id if technician else None
    order.seal_no = technician.seal_no if technician else ""
    if order.status == STARTED:
        order.started_at = started_at
        order.finished_at = finished_at
    order.description = description
    audit.record("order.updated", order, "; ".join(changes) or "dane zlecenia", actor.user_id)


def add_item(actor: Actor, order: Order, *, service_id: int, quantity: Decimal,
             price: Decimal | None, vat_rate: str | None, performed_on: date | None) -> OrderItem:
    _require_editable(order)
    service = db.session.get(Service, service_id)
    if service is None:
        raise WorkflowError("Wybierz usługę.", "service_id")
    if quantity is None or quantity <= 0:
        raise WorkflowError("Ilość musi być większa od zera.", "quantity")
    item = OrderItem(order_id=order.id, service_id=service.id, name=service.name,
                     special_kind=service.special_kind, service_book=service.service_book,
                     quantity=quantity, price=service.price if price is None else price,
                     vat_rate=vat_rate or service.vat_rate, performed_on=performed_on)
    order.items.append(item)
    db.session.flush()
    audit.record("order.item_added", order, f"{service.name} ({performed_on or 'bez daty'})",
                 actor.user_id)
    if service.service_book and not order.service_book:
        set_service_book(actor, order, True, reason=f"usługa „{service.name}”")
    return item


def remove_item(actor: Actor, order: Order, item: OrderItem) -> None:
    _require_editable(order)
    if item.order_id != order.id:
        raise WorkflowError("Ta pozycja nie należy do zlecenia.")
    order.items.remove(item)
    db.session.delete(item)
    audit.record("order.item_removed", order, item.name, actor.user_id)


def set_service_book(actor: Actor, order: Order, value: bool, reason: str = "") -> None:
    """The order's "Wpis do książki serwisowej": only flagged orders go to the registry."""
    _require_editable(order)
    if order.service_book == value:
        return
    order.service_book = value
    detail = ("zaznaczono" if value else "odznaczono") + (f" ({reason})" if reason else "")
    audit.record("order.service_book", order, detail, actor.user_id)


def save_book(actor: Actor, order: Order, values: dict) -> OrderBook:
    _require_editable(order)
    book = order.book or OrderBook(order_id=order.id)
    if order.book is None:
        order.book = book
    for name in BOOK_FIELDS:
        if name in values:
            setattr(book, name, values[name])
    audit.record("order.book_saved", order, "książka serwisowa", actor.user_id)
    return book


# --- state changes -------------------------------------------------------------------------

def _transition(actor: Actor, order: Order, action: str, detail: str = "") -> str:
    refusal = state_refusal(order, action) or role_refusal(action, actor.role)
    if refusal:
        raise WorkflowError(refusal)
    before = order.status
    order.status = TRANSITIONS[action][1]
    try:
        # The version check now, before any effect: a concurrent change of this order wins.
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ConcurrentChange() from None
    audit.record(f"order.{action}", order,
                 f"{OrderStatus(before).label} → {OrderStatus(order.status).label}"
                 + (f"; {detail}" if detail else ""), actor.user_id)
    return before


def start(actor: Actor, order: Order, now: datetime | None = None) -> None:
    if order.device.status == DeviceStatus.LIQUIDATED.value:
        raise WorkflowError("Urządzenie jest zlikwidowane: nie można rozpocząć zlecenia.")
    _transition(actor, order, "start")
    order.started_at = now or clock.now()


def close_problems(order: Order) -> list[str]:
    """What stops the order from closing (Polish), empty when it may close."""
    problems = []
    if not order.items:
        problems.append("Dodaj co najmniej jedną pozycję (usługę).")
    elif any(item.performed_on is None for item in order.items):
        problems.append("Uzupełnij datę wykonania w każdej pozycji.")
    if order.technician_id is None:
        problems.append("Wybierz serwisanta (jego nr plomby trafia do RZS).")
    if order.started_at is None:
        problems.append("Brak daty rozpoczęcia zlecenia.")
    return problems


def authorisation_warning(order: Order, today: date) -> str | None:
    """The technician lacks a valid authorisation for the device's producer: warned about
    before closing; closing stays possible and the warning is kept in the audit log."""
    if order.technician is None:
        return None
    authorisation = order.technician.authorisation_for(order.device.producer_id)
    producer = order.device.producer.name
    if authorisation is None:
        return f"Serwisant {order.technician.name} nie ma uprawnień do urządzeń {producer}."
    if not authorisation.valid_on(today):
        return (f"Uprawnienia serwisanta {order.technician.name} do urządzeń {producer} "
                f"wygasły {authorisation.expires_on:%d.%m.%Y}.")
    return None


SAME_DAY_KINDS = {"P": ("przegląd", "PU"), "F": ("fiskalizację", "F"),
                  "L": ("likwidację", "L")}


def same_day_warnings(order: Order) -> list[str]:
    """A P, F or L item on a day when another live order of the same device already has one of
    that kind: the registry knows a PU, F or L by device, kind and day, so it would keep the
    first and answer the second "już istnieje (nie dodano)". Warned about before closing."""
    warnings = []
    for item in order.items:
        if item.special_kind not in SAME_DAY_KINDS or item.performed_on is None:
            continue
        other = db.session.scalar(
            select(Order.number).join(OrderItem, OrderItem.order_id == Order.id)
            .where(Order.device_id == order.device_id, Order.id != order.id,
                   Order.status != CANCELLED, OrderItem.special_kind == item.special_kind,
                   OrderItem.performed_on == item.performed_on)
            .order_by(Order.id).limit(1))
        if other:
            what, token = SAME_DAY_KINDS[item.special_kind]
            warnings.append(
                f"Urządzenie ma już {what} z {item.performed_on:%d.%m.%Y} w zleceniu {other}: "
                f"RZS nie doda drugiego (odpowie „{token}” – już istnieje, nie dodano).")
    return warnings


def closing_warnings(order: Order, today: date) -> list[str]:
    """What closing warns about without refusing: the technician's authorisation, a second
    P, F or L of the device on the same day."""
    return [w for w in [authorisation_warning(order, today)] if w] + same_day_warnings(order)


def _closing_warnings(order: Order, now: datetime) -> list[str]:
    """Closing's checks, for close and for settling a started order: what stops it raises,
    what only warns is returned (and kept in the audit entry of the transition)."""
    problems = close_problems(order)
    if problems:
        raise WorkflowError(" ".join(problems))
    return closing_warnings(order, clock.business_date(now))


def _warnings_detail(warnings: list[str]) -> str:
    return "; ".join(f"ostrzeżenie: {w}" for w in warnings)


def _mark_closed(order: Order, now: datetime) -> None:
    """Closing's effects: the work's end, and the device's new state (F, L, P, W items)."""
    order.finished_at = order.finished_at or now
    order.closed_at = now
    apply_device_effects(order)


def _refuse_unless_allowed(order: Order, action: str) -> None:
    refusal = state_refusal(order, action)
    if refusal:
        raise WorkflowError(refusal)


def close(actor: Actor, order: Order, now: datetime | None = None) -> list[str]:
    """Close the order; returns the warnings that were recorded (e.g. the authorisation)."""
    now = now or clock.now()
    _refuse_unless_allowed(order, "close")
    warnings = _closing_warnings(order, now)
    _transition(actor, order, "close", _warnings_detail(warnings))
    _mark_closed(order, now)
    dispatch.write_outbox(order)
    return warnings


def settle(actor: Actor, order: Order, *, doc_no: str, doc_date: date | None,
           now: datetime | None = None) -> list[str]:
    """Record the settlement (Plomba does not invoice): document number and date, the total."""
    now = now or clock.now()
    refusal = role_refusal("settle", actor.role)
    if refusal:
        raise WorkflowError(refusal)
    _refuse_unless_allowed(order, "settle")
    doc_no = (doc_no or "").strip()
    if not doc_no:
        raise WorkflowError("Podaj numer dokumentu rozliczenia.", "doc_no")
    if len(doc_no) > 60:
        raise WorkflowError("Numer dokumentu może mieć najwyżej 60 znaków.", "doc_no")
    if bounds.numeric_problem(total(order), Order.settlement_total):
        # Each item fits its columns, but their sum may not fit the order's.
        raise WorkflowError("Suma pozycji zlecenia jest za duża, by ją rozliczyć. "
                            "Popraw ilości lub ceny.")
    closing = order.status == STARTED  # settled straight away: closed on the way
    warnings = _closing_warnings(order, now) if closing else []
    _transition(actor, order, "settle", _warnings_detail(warnings))
    if closing:
        _mark_closed(order, now)
    order.settled_at = now
    order.settlement_doc_no = doc_no
    order.settlement_date = doc_date or clock.business_date(now)
    order.settlement_total = total(order)
    dispatch.write_outbox(order)
    return warnings


def cancel(actor: Actor, order: Order, now: datetime | None = None) -> None:
    _transition(actor, order, "cancel")
    order.cancelled_at = now or clock.now()


def reopen(actor: Actor, order: Order) -> int:
    """Back to started for corrections; pending transmissions are voided. Returns how many."""
    _transition(actor, order, "reopen")
    order.closed_at = None
    voided = 0
    for row in db.session.scalars(select(Transmission).where(
            Transmission.order_id == order.id,
            Transmission.status == TransmissionStatus.PENDING.value)):
        row.status = TransmissionStatus.VOID.value
        voided += 1
    if voided:
        audit.record("order.transmissions_voided", order, f"unieważniono {voided}",
                     actor.user_id)
    return voided


def total(order: Order) -> Decimal:
    return sum((item.net_total for item in order.items), Decimal("0.00"))


def apply_device_effects(order: Order) -> None:
    """F fiscalizes the device, L liquidates it, P records an inspection, W notes the
    fiscal-memory replacement, in the order of the items' execution dates; the next inspection
    then follows from the device's new data (none once liquidated)."""
    device = order.device
    for item in sorted(order.items, key=lambda i: (i.performed_on, i.id)):
        kind, day = item.special_kind, item.performed_on
        if kind == "F":
            device.status = DeviceStatus.FISCALIZED.value
            device.fiscalized_on = day
        elif kind == "L":
            device.status = DeviceStatus.LIQUIDATED.value
            device.liquidated_on = day
        elif kind == "P":
            if device.last_inspection_on is None or day > device.last_inspection_on:
                device.last_inspection_on = day
        elif kind == "W":
            device.memory_replaced_on = day
    inspection.refresh(device)


def commit() -> None:
    """Commit the order's change; a concurrent change of the same order becomes a message."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConcurrentChange() from None
