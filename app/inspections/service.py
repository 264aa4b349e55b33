"""Przeglądy: the active devices with their inspection due date, the filters of the list, its
exports, and turning selected devices into inspection orders.

The list is a keyset walk on (next_inspection_due, id), the device table's own index
(ix_device_tenant_next_due), so every page costs what the first one costs at 20,000 devices;
each filter is a condition on that walk (EXISTS for the orders and reminders), and what a row
shows beyond the device (its open order, its reminder) is read for the page's ids only."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import exists, func, literal, null, select, union_all
from sqlalchemy.orm import aliased, joinedload

from app import clock, tenancy
from app.days import add_months
from app.extensions import db
from app.listing import Page, among, constant, keyset_page
from app.models import (
    OPEN_STATUSES,
    ORDER_STATUS_LABELS,
    REMINDER_STATUS_LABELS,
    Device,
    DeviceStatus,
    Location,
    Order,
    Party,
    Reminder,
    ReminderStatus,
    Service,
    SpecialKind,
    Technician,
    Tenant,
)
from app.orders import workflow
from app.reports.queries import ReportHeader, ReportRow

INSPECTIONS = "inspections"  # the renderers' kind (app/reports/queries.py COLUMNS)
WINDOWS = {"": "Wszystkie terminy", "overdue": "Po terminie", "30": "W ciągu 30 dni",
           "60": "W ciągu 60 dni", "90": "W ciągu 90 dni", "month": "W wybranym miesiącu"}
YES_NO = {"": "", "yes": "tak", "no": "nie"}


@dataclass
class Filters:
    window: str = ""
    month: date | None = None  # the first day of the chosen month
    producer_id: int | None = None
    technician_id: int | None = None
    city: str = ""
    reminded: str = ""  # "yes", "no" or ""
    ordered: str = ""   # an open order: "yes", "no" or ""
    client_id: int | None = None

    def range(self, today: date) -> tuple[date | None, date | None]:
        """The due dates the window admits (inclusive), None for an open end."""
        if self.window == "overdue":
            return None, today - timedelta(days=1)
        if self.window in ("30", "60", "90"):
            return None, today + timedelta(days=int(self.window))
        if self.window == "month" and self.month is not None:
            return self.month, add_months(self.month, 1) - timedelta(days=1)
        return None, None


@dataclass(slots=True)
class OpenOrder:
    id: int
    number: str
    status: str

    @property
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS[self.status]


@dataclass(slots=True)
class ShownReminder:
    status: str
    sent_at: datetime | None

    @property
    def status_label(self) -> str:
        return REMINDER_STATUS_LABELS[self.status]


@dataclass(slots=True)
class Row:
    device: Any  # a result row: ROW_COLUMNS by their labels (id, unique_no, client_name, ...)
    place: str  # the installation site's address, "" without a site
    open_order: OpenOrder | None = None
    reminder: ShownReminder | None = None
    overdue: bool = False


@dataclass
class Listing:
    page: Page
    rows: list[Row] = field(default_factory=list)


def _open_order_exists():
    return exists().where(Order.device_id == Device.id,
                          Order.status.in_([constant(s) for s in OPEN_STATUSES]))


def _sent_reminder_exists():
    return exists().where(Reminder.device_id == Device.id,
                          Reminder.due_on == Device.next_inspection_due,
                          Reminder.status == constant(ReminderStatus.SENT.value))


def statement(filters: Filters, today: date):
    """Active devices with a due date, filtered; ordered by the caller."""
    stmt = (select(Device)
            .where(Device.status != constant(DeviceStatus.LIQUIDATED.value),
                   Device.next_inspection_due.is_not(None)))
    start, end = filters.range(today)
    if start is not None:
        stmt = stmt.where(Device.next_inspection_due >= start)
    if end is not None:
        stmt = stmt.where(Device.next_inspection_due <= end)
    if filters.producer_id:
        stmt = stmt.where(Device.producer_id == filters.producer_id)
    if filters.client_id:
        stmt = stmt.where(Device.client_id == filters.client_id)
    if filters.technician_id:
        # The technician who has worked on the device (any of its orders but cancelled ones).
        stmt = stmt.where(exists().where(Order.device_id == Device.id,
                                         Order.technician_id == filters.technician_id,
                                         Order.status != constant("cancelled")))
    if filters.city:
        # The device's town (app/devices/town.py): its site's city, or its client's seat where
        # it has no site; the filter offers the stored names, so the comparison is exact, and
        # ix_device_tenant_town_due walks the town's devices in the list's order.
        stmt = stmt.where(Device.town == filters.city.strip())
    if filters.reminded == "yes":
        stmt = stmt.where(_sent_reminder_exists())
    elif filters.reminded == "no":
        stmt = stmt.where(~_sent_reminder_exists())
    if filters.ordered == "yes":
        stmt = stmt.where(_open_order_exists())
    elif filters.ordered == "no":
        stmt = stmt.where(~_open_order_exists())
    return stmt


KEY = [Device.next_inspection_due, Device.id]

# A page is one statement of the columns its rows show, not of entities: hydrating 50 devices
# with their client, producer and site as ORM objects (about 80 columns, identity map, joined
# eager loading) cost more than the database's work. Aliases: Party is joined twice (the
# producer and the client).
_PRODUCER, _CLIENT, _SITE = aliased(Party), aliased(Party), aliased(Location)
ROW_COLUMNS = (
    Device.id, Device.next_inspection_due, Device.unique_no, Device.model, Device.client_id,
    _PRODUCER.name.label("producer_name"), _CLIENT.name.label("client_name"),
    _CLIENT.phone.label("client_phone"), _CLIENT.city.label("client_city"),
    _CLIENT.email.label("client_email"), _CLIENT.reminder_consent.label("client_consent"),
    _SITE.id.label("site_id"), _SITE.name.label("site_name"),
    _SITE.street.label("site_street"), _SITE.postal_code.label("site_postal_code"),
    _SITE.city.label("site_city"),
)


def listing(filters: Filters, cursor: str | None, today: date | None = None) -> Listing:
    """One page: the devices by the keyset index, then the open orders and the reminders of
    those (at most 50) devices: two statements whatever the page and its filters."""
    today = today or clock.today()
    stmt = (statement(filters, today).with_only_columns(*ROW_COLUMNS)
            .outerjoin(_PRODUCER, _PRODUCER.id == Device.producer_id)
            .outerjoin(_CLIENT, _CLIENT.id == Device.client_id)
            .outerjoin(_SITE, _SITE.id == Device.location_id))
    page = keyset_page(stmt, KEY, cursor)
    orders, reminders = _facts([d.id for d in page.items])
    rows = [Row(d, _site_address(d), orders.get(d.id), _current(reminders.get(d.id), d),
                d.next_inspection_due < today) for d in page.items]
    return Listing(page, rows)


def _facts(ids: list[int]) -> tuple[dict[int, OpenOrder], dict[int, tuple]]:
    """The latest open order and the latest reminder of each of the page's devices, in one
    statement (on PostgreSQL a round trip costs more than these few index probes): the
    reminders' rows and the open orders' rows as one UNION ALL, told apart by their kind. The
    reminders come first, so their date columns give the result its types."""
    if not ids:
        return {}, {}
    facts = union_all(
        select(literal("r").label("kind"), Reminder.device_id, Reminder.id,
               Reminder.status, Reminder.due_on, Reminder.sent_at,
               null().label("number"))
        .where(among(Reminder.device_id, ids)),
        select(literal("o"), Order.device_id, Order.id, Order.status, null(), null(),
               Order.number)
        .where(among(Order.device_id, ids), Order.status.in_(OPEN_STATUSES)))
    orders: dict[int, OpenOrder] = {}
    reminders: dict[int, tuple] = {}
    # By id, so the latest of each device is the last written.
    for kind, device_id, fact_id, status, due_on, sent_at, number in db.session.execute(
            facts.order_by(facts.selected_columns.id)):
        if kind == "o":
            orders[device_id] = OpenOrder(fact_id, number, status)
        else:
            reminders[device_id] = (due_on, status, sent_at)
    return orders, reminders


def _site_address(row) -> str:
    if row.site_id is None:
        return ""
    return Location.format_address(row.site_street, row.site_postal_code, row.site_city)


def _current(reminder: tuple | None, row) -> ShownReminder | None:
    """The device's latest reminder, if it is about its present due date."""
    if reminder is None or reminder[0] != row.next_inspection_due:
        return None
    return ShownReminder(reminder[1], reminder[2])


class Choice(NamedTuple):
    id: int | None
    name: str


@dataclass
class Choices:
    """What the whole page offers besides its rows: the filters' producers, technicians and
    cities, and how many active devices have no due date (said above the list)."""
    producers: list[Choice]
    technicians: list[Choice]
    cities: list[str]
    undated: int


def page_choices() -> Choices:
    """One statement for all four (each a few index probes; on PostgreSQL each round trip
    cost more than its query): a UNION ALL of rows told apart by their kind, in each kind's
    order (producers by folded name, technicians by name, cities as the database sorts them,
    re-sorted case-insensitively here as before).

    - cities: a walk of ix_location_tenant_city from one city to the next (a recursive
      min(), about as many index probes as there are cities), not a DISTINCT over every site;
    - undated: a count of the partial index ix_device_tenant_undated, whose condition the
      query states literally (listing.constant; a bound parameter would not match it)."""
    walk = (select(func.min(Location.city).label("city")).where(Location.city > "")
            .cte("site_cities", recursive=True))
    following = select(func.min(Location.city)).where(Location.city > walk.c.city)
    walk = walk.union_all(select(following.scalar_subquery()).where(walk.c.city.is_not(None)))
    rows = db.session.execute(union_all(
        select(literal("p").label("kind"), Party.id.label("id"), Party.name.label("name"),
               Party.name_key.label("sort")).where(Party.is_producer.is_(True)),
        select(literal("t"), Technician.id, Technician.name, Technician.name)
        .where(Technician.active.is_(True)),
        select(literal("c"), null(), walk.c.city, walk.c.city).where(walk.c.city.is_not(None)),
        select(literal("u"), func.count(), null(), null()).select_from(Device).where(
            Device.next_inspection_due.is_(None),
            Device.status != constant(DeviceStatus.LIQUIDATED.value)),
    ).order_by("kind", "sort", "id")).all()
    of = {kind: [Choice(i, name) for k, i, name, _ in rows if k == kind] for kind in "ptc"}
    return Choices(producers=of["p"], technicians=of["t"],
                   cities=sorted((c.name for c in of["c"]), key=str.lower),
                   undated=next((i for k, i, *_ in rows if k == "u"), 0) or 0)


# --- exports ---------------------------------------------------------------------------------

def count(filters: Filters, today: date | None = None) -> int:
    stmt = statement(filters, today or clock.today())
    return db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0


def _address(location: Location | None, client: Party) -> str:
    source = location or client
    city = " ".join(p for p in (source.postal_code, source.city) if p)
    return ", ".join(p for p in ((location.name if location else ""), source.street, city) if p)


def export_rows(filters: Filters, today: date | None = None) -> Iterator[ReportRow]:
    """The list's rows as report rows, in its order, streamed in batches."""
    stmt = statement(filters, today or clock.today()).options(
        joinedload(Device.client), joinedload(Device.producer), joinedload(Device.location))
    for device in db.session.scalars(stmt.order_by(*KEY).execution_options(yield_per=1000)):
        yield ReportRow(device.producer_id, device.producer.name, (
            device.next_inspection_due, device.unique_no, device.factory_no,
            device.producer.name, device.client.name, device.client.nip or "",
            _address(device.location, device.client), device.client.phone))


def export_header(filters: Filters, today: date | None = None) -> ReportHeader:
    today = today or clock.today()
    start, end = filters.range(today)
    tenant = db.session.get(Tenant, tenancy.current_tenant_id())
    producer = db.session.get(Party, filters.producer_id) if filters.producer_id else None
    return ReportHeader(title=f"Przeglądy – {WINDOWS.get(filters.window, '').lower()}",
                        tenant_name=tenant.name, tenant_nip=tenant.nip,
                        date_from=start or date(today.year - 10, 1, 1),
                        date_to=end or date(today.year + 10, 12, 31),
                        producer=producer.name if producer else "wszyscy",
                        created_at=clock.now())


# --- from the list to the work ---------------------------------------------------------------

class NoInspectionService(workflow.WorkflowError):
    def __init__(self):
        super().__init__("W Kartoteki → Usługi brak usługi specjalnej „P: Przegląd ustawowy”: "
                         "dodaj ją, aby tworzyć zlecenia przeglądów.")


def inspection_service() -> Service | None:
    return db.session.scalar(select(Service).where(
        Service.special_kind == SpecialKind.INSPECTION.value, Service.active.is_(True))
        .order_by(Service.id).limit(1))


def overdue_of_client(client_id: int, today: date | None = None) -> list[int]:
    """"Wszystkie zaległe tego klienta": his active overdue devices without an open order."""
    filters = Filters(window="overdue", client_id=client_id, ordered="no")
    return list(db.session.scalars(
        statement(filters, today or clock.today()).with_only_columns(Device.id).order_by(*KEY)))


@dataclass
class Created:
    orders: list[Order]
    skipped: list[str]  # why a selected device got no order, per device (Polish)


def create_orders(actor: workflow.Actor, device_ids: list[int], technician_id: int | None,
                  planned_on: date | None) -> Created:
    """An inspection order per selected device, each with a P item, assigned to the technician,
    through the workflow's own creation (numbering, rules, audit). The domain's order concerns
    one device, so a site with three due devices gets three orders, numbered one after another
    (the devices are taken site by site). The P item's execution date is the planned day, so
    the order closes the normal way after the visit (its date is corrected like any item's). A
    device with an open order already, liquidated or without a due date is skipped and said
    why. The caller commits."""
    if not device_ids:
        raise workflow.WorkflowError("Zaznacz co najmniej jedno urządzenie.", "device_ids")
    if technician_id is None:
        raise workflow.WorkflowError("Wybierz serwisanta.", "technician_id")
    if planned_on is None:
        raise workflow.WorkflowError("Podaj planowany dzień wizyty.", "planned_on")
    if planned_on < clock.today():
        raise workflow.WorkflowError("Planowany dzień nie może być w przeszłości.", "planned_on")
    service = inspection_service()
    if service is None:
        raise NoInspectionService()
    devices = list(db.session.scalars(
        select(Device).where(Device.id.in_(set(device_ids)))
        .order_by(Device.client_id, Device.location_id, Device.id)))
    busy = set(db.session.scalars(select(Order.device_id).where(
        Order.device_id.in_([d.id for d in devices]), Order.status.in_(OPEN_STATUSES))))
    created, skipped = [], []
    for device in devices:
        if device.id in busy:
            skipped.append(f"{device.unique_no}: ma już otwarte zlecenie.")
            continue
        if device.status == DeviceStatus.LIQUIDATED.value or device.next_inspection_due is None:
            skipped.append(f"{device.unique_no}: nie ma terminu przeglądu.")
            continue
        order = workflow.create_order(
            actor, client_id=device.client_id, location_id=device.location_id,
            device_id=device.id, technician_id=technician_id,
            description=f"Przegląd ustawowy, termin {device.next_inspection_due:%d.%m.%Y}")
        order.planned_on = planned_on
        workflow.add_item(actor, order, service_id=service.id, quantity=Decimal("1"), price=None,
                          vat_rate=None, performed_on=planned_on)
        created.append(order)
    if not created and not skipped:
        raise workflow.WorkflowError("Nie znaleziono zaznaczonych urządzeń.", "device_ids")
    return Created(created, skipped)

