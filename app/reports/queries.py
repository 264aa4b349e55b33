"""The one query per report kind that feeds every renderer (preview, PDF, XLSX, CSV).

Rows stream (yield_per: a server-side cursor on PostgreSQL) in a stable order: producer name,
producer id, factory no., then date and id, so consecutive rows of a producer form its section.

"Usługi ze zleceń" takes only the items entered in the service book of flagged, closed or
settled orders (the seed: "Nazwa usługi wpisanej do książki serwisowej"; a trip or a training
on the same order is not the producer's business). It takes only closed or settled orders:
the report tells the producer what was written into the service book, and an open order's
items may still change or be removed; cancelled orders never count. "Dane Kas" takes any
order but a cancelled one: a device that was serviced in the range is listed even while its
order is still open.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, literal, null, select, tuple_, union_all
from sqlalchemy.orm import aliased

from app import clock, tenancy
from app.extensions import db
from app.formatting import nip as format_nip
from app.listing import keyset_bound
from app.models import DONE_STATUSES, Device, Location, Order, OrderItem, OrderStatus, Party, Tenant
from app.reports.params import DEVICES, SERVICES, ReportParams

# The seed's column: only services that go into the service book are listed.
SERVICE_COLUMN = "Nazwa usługi wpisanej do książki serwisowej"
REPORTED_STATUSES = DONE_STATUSES
COLUMNS = {
    SERVICES: ["Nr fabryczny", "Nr unikatowy", "Data wykonania", SERVICE_COLUMN],
    DEVICES: ["Nr fabryczny", "Nr unikatowy", "NIP podatnika", "Nazwa podatnika",
              "Adres miejsca instalacji"],
    # Przeglądy (app/inspections/service.py) through the same renderers.
    "inspections": ["Termin przeglądu", "Nr unikatowy", "Nr fabryczny", "Producent",
                    "Nazwa podatnika", "NIP podatnika", "Adres miejsca instalacji", "Telefon"],
}
# Indexes of the date cells of each kind (typed dates in XLSX, DD.MM.RRRR elsewhere).
DATE_COLUMNS = {SERVICES: {2}, DEVICES: set(), "inspections": {0}}
# Indexes of the NIP cells: 10 digits in CSV and XLSX (read by producers' systems), the dashed
# form for people in the preview and the PDF.
NIP_COLUMNS = {SERVICES: set(), DEVICES: {2}, "inspections": {5}}
STREAM_BATCH = 2000


@dataclass(frozen=True, slots=True)
class ReportRow:
    producer_id: int
    producer_name: str
    cells: tuple
    # The row's place in the report's order (JSON-friendly): the preview's keyset cursor.
    key: tuple = ()


@dataclass(frozen=True)
class ReportHeader:
    title: str
    tenant_name: str
    tenant_nip: str
    date_from: date
    date_to: date
    producer: str
    created_at: datetime


def _statement(params: ReportParams) -> tuple[Select, tuple]:
    """The report's rows and the columns of its order (the last one unique)."""
    producer = aliased(Party, name="producer")
    if params.kind == SERVICES:
        stmt = (
            select(producer.id, producer.name, Device.factory_no, Device.unique_no,
                   OrderItem.performed_on, OrderItem.name)
            .select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .join(Device, Device.id == Order.device_id)
            .join(producer, producer.id == Device.producer_id)
            .where(Order.service_book.is_(True), OrderItem.service_book.is_(True),
                   Order.status.in_(REPORTED_STATUSES),
                   OrderItem.performed_on >= params.date_from,
                   OrderItem.performed_on <= params.date_to)
        )
        order = (producer.name, producer.id, Device.factory_no, OrderItem.performed_on,
                 OrderItem.id)
    else:
        client = aliased(Party, name="client")
        # Devices of the range's items (an index range scan on performed_on), not a correlated
        # EXISTS per device: a year of Dane Kas on the 100k-order tenant, 1.2 s -> 0.1 s.
        serviced = (
            select(Order.device_id).select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.status != OrderStatus.CANCELLED.value,
                   OrderItem.performed_on >= params.date_from,
                   OrderItem.performed_on <= params.date_to)
        )
        stmt = (
            select(producer.id, producer.name, Device.factory_no, Device.unique_no, client.nip,
                   client.name, Location.street, Location.postal_code, Location.city,
                   client.street, client.postal_code, client.city, Device.location_id)
            .select_from(Device)
            .join(producer, producer.id == Device.producer_id)
            .join(client, client.id == Device.client_id)
            .outerjoin(Location, Location.id == Device.location_id)
            .where(Device.id.in_(serviced))
        )
        order = (producer.name, producer.id, Device.factory_no, Device.id)
    if params.producer_id is not None:
        stmt = stmt.where(Device.producer_id == params.producer_id)
    return stmt, order


def _address(street: str, postal_code: str, city: str) -> str:
    parts = [street or "", " ".join(p for p in (postal_code, city) if p)]
    return ", ".join(p for p in parts if p)


def rows(params: ReportParams, limit: int | None = None, after: list | None = None,
         before: list | None = None) -> Iterator[ReportRow]:
    """The report's rows in its order, streamed. The preview's pages are keyset pages: the
    rows after (or, for the previous page, before) a row's `key`, so page 150 costs what page
    1 does (OFFSET had to produce and skip the 14,900 rows before it). A key that is not one
    of this report's gives the first page."""
    stmt, order = _statement(params)
    bound = keyset_bound(list(order), after if before is None else before)
    backwards = before is not None and bound is not None
    if bound is not None:
        keys = tuple_(*order)
        stmt = stmt.where(keys < bound if backwards else keys > bound)
    stmt = stmt.order_by(*(c.desc() for c in order) if backwards else order)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = db.session.execute(stmt.add_columns(order[-1])
                                .execution_options(yield_per=STREAM_BATCH))
    made = (_row(params, values) for values in result)
    if backwards:
        yield from reversed(list(made))
    else:
        yield from made


def first_page(params: ReportParams, limit: int) -> tuple[list[ReportRow], dict[int, int]]:
    """The preview's first page and the rows per producer (summed: the count) in one
    statement, so the range's items are joined with their orders and devices once, not twice:
    the CTE is used twice, which both databases materialise. Later pages carry the counts."""
    stmt, order = _statement(params)
    ranged = stmt.add_columns(order[-1].label("row_key")).cte("report_rows")
    cols = list(ranged.c)
    # The report's order among the CTE's columns: producer name, producer id, factory no.,
    # (the date,) the row's unique key.
    positions = (1, 0, 2, 4, len(cols) - 1) if params.kind == SERVICES else (1, 0, 2, len(cols) - 1)
    page = select(*cols).order_by(*(cols[i] for i in positions)).limit(limit).subquery("page")
    counted = select(cols[0].label("pid"), func.count().label("n")).group_by(cols[0]) \
        .subquery("counted")
    both = union_all(
        select(literal(1).label("part"), *page.c, null().label("n")),
        select(literal(2), counted.c.pid, *(null() for _ in cols[1:]), counted.c.n),
    ).subquery("both")
    out = list(both.c)
    result = db.session.execute(select(*out).order_by(out[0], *(out[1 + i] for i in positions)))
    rows, counts = [], {}
    for values in result:
        if values[0] == 1:
            rows.append(_row(params, tuple(values[1:-1])))
        else:
            counts[values[1]] = values[-1]
    return rows, counts


def _row(params: ReportParams, values) -> ReportRow:
    if params.kind == SERVICES:
        pid, pname, factory_no, unique_no, performed_on, name, item_id = values
        return ReportRow(pid, pname, (factory_no, unique_no, performed_on, name),
                         (pname, pid, factory_no, performed_on.isoformat(), item_id))
    (pid, pname, factory_no, unique_no, nip, cname, lstreet, lpostal, lcity, cstreet, cpostal,
     ccity, location_id, device_id) = values
    address = (_address(lstreet, lpostal, lcity) if location_id is not None else "") \
        or _address(cstreet, cpostal, ccity)
    return ReportRow(pid, pname, (factory_no, unique_no, nip or "", cname, address),
                     (pname, pid, factory_no, device_id))


def count(params: ReportParams) -> int:
    return sum(counts_by_producer(params).values())


def counts_by_producer(params: ReportParams) -> dict[int, int]:
    """Rows per producer: the section counts of "Opis podziału wg producentów", and summed,
    the report's count (one aggregate for both)."""
    sub = _statement(params)[0].subquery()
    first = sub.c[0]  # producer id
    return dict(db.session.execute(select(first, func.count()).group_by(first)).all())


def header(params: ReportParams, now: datetime | None = None) -> ReportHeader:

    tenant = db.session.get(Tenant, tenancy.current_tenant_id())
    producer = "wszyscy"
    if params.producer_id is not None:
        producer = db.session.scalar(select(Party.name).where(Party.id == params.producer_id)) \
            or "—"
    return ReportHeader(title=params.title, tenant_name=tenant.name,
                        tenant_nip=format_nip(tenant.nip), date_from=params.date_from,
                        date_to=params.date_to, producer=producer,
                        created_at=now or clock.now())
