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
# Ranges up to a quarter and this many items: the counts read the orders through a window of
# order ids (_order_window).
WINDOW_DAYS, WINDOW_ITEMS = 92, 5000


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


def _included(params: ReportParams, order_ids: tuple[int, int] | None = None) -> Select:
    """Which rows the report holds (the seed's rule above), one per row, as the device's
    producer id: the rows' statement adds what is shown; the counts count only this, so they
    join nothing that is only shown (the taxpayers of Dane Kas). `order_ids`, a window the
    range's orders are known to lie in, only narrows what the database reads."""
    window = [Order.id.between(*order_ids)] if order_ids is not None else []
    if params.kind == SERVICES:
        stmt = (
            select(Device.producer_id)
            .select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .join(Device, Device.id == Order.device_id)
            .where(Order.service_book.is_(True), OrderItem.service_book.is_(True),
                   Order.status.in_(REPORTED_STATUSES),
                   OrderItem.performed_on >= params.date_from,
                   OrderItem.performed_on <= params.date_to, *window)
        )
    else:
        # Devices of the range's items (an index range scan on performed_on), not a correlated
        # EXISTS per device: a year of Dane Kas on the 100k-order tenant, 1.2 s -> 0.1 s.
        serviced = (
            select(Order.device_id).select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.status != OrderStatus.CANCELLED.value,
                   OrderItem.performed_on >= params.date_from,
                   OrderItem.performed_on <= params.date_to, *window)
        )
        stmt = select(Device.producer_id).where(Device.id.in_(serviced))
    if params.producer_id is not None:
        stmt = stmt.where(Device.producer_id == params.producer_id)
    return stmt


def _statement(params: ReportParams) -> tuple[Select, tuple]:
    """The report's rows and the columns of its order (the last one unique)."""
    producer = aliased(Party, name="producer")
    included = _included(params)
    if params.kind == SERVICES:
        stmt = (
            included.with_only_columns(producer.id, producer.name, Device.factory_no,
                                       Device.unique_no, OrderItem.performed_on, OrderItem.name,
                                       maintain_column_froms=False)
            .join(producer, producer.id == Device.producer_id)
        )
        order = (producer.name, producer.id, Device.factory_no, OrderItem.performed_on,
                 OrderItem.id)
    else:
        client = aliased(Party, name="client")
        stmt = (
            included.with_only_columns(producer.id, producer.name, Device.factory_no,
                                       Device.unique_no, client.nip, client.name, Location.street,
                                       Location.postal_code, Location.city, client.street,
                                       client.postal_code, client.city, Device.location_id,
                                       maintain_column_froms=False)
            .select_from(Device)
            .join(producer, producer.id == Device.producer_id)
            .join(client, client.id == Device.client_id)
            .outerjoin(Location, Location.id == Device.location_id)
        )
        order = (producer.name, producer.id, Device.factory_no, Device.id)
    return stmt, order


def _address(street: str, postal_code: str, city: str) -> str:
    parts = [street or "", " ".join(p for p in (postal_code, city) if p)]
    return ", ".join(p for p in parts if p)


def rows(params: ReportParams) -> Iterator[ReportRow]:
    """The report's rows in its order, streamed (the PDF, XLSX and CSV)."""
    stmt, order = _statement(params)
    result = db.session.execute(stmt.add_columns(order[-1]).order_by(*order)
                                .execution_options(yield_per=STREAM_BATCH))
    for values in result:
        yield _row(params, values)


def page(params: ReportParams, limit: int, counts: dict[int, int], after: list | None = None,
         before: list | None = None,
         producers: list[tuple[int, str]] | None = None) -> list[ReportRow]:
    """The preview's page: `limit` rows after (or, for the previous page, before) a row's `key`,
    in the report's order; a key that is not one of this report's gives the first page.

    The rows are walked producer by producer, only through the producers that have rows
    (`counts`, made on the first page; `producers`, the same in the report's order, when the
    caller has them), and within one the statement is ordered by the device's factory no. and
    limited, so PostgreSQL walks the producer's devices on (tenant, producer, factory no.) and
    reads only the devices of this page and their orders and items: a year's page reads ~150
    devices, not the year's items joined with all their orders and devices and then sorted
    (page 1 and page 150 alike). The key's own producer comes first, in one statement (most
    pages end within it); a page that crosses into the next producers asks for them and for
    the rest. Over the whole walk the order is the one of `rows` (producer name, producer id,
    then within the producer), so the preview shows what the files hold."""
    stmt, order = _statement(params)
    key = after if before is None else before
    backwards = before is not None
    producer_key = keyset_bound(list(order[:2]), key[:2]) if isinstance(key, list) else None
    inner_key = keyset_bound(list(order[2:]), key[2:]) if producer_key is not None else None
    if inner_key is None:  # not our key: the first page
        producer_key, backwards = None, False
    within = list(order[2:])
    found: list[ReportRow] = []

    def walk(producer_id: int, after_key: bool) -> None:
        rows_of = stmt.where(Device.producer_id == producer_id)
        if after_key:
            # The factory no. alone, implied by the row value, is what the device index can
            # start from.
            factory_no = inner_key.clauses[0]
            rows_of = rows_of.where(tuple_(*within) < inner_key, within[0] <= factory_no) \
                if backwards else rows_of.where(tuple_(*within) > inner_key,
                                                within[0] >= factory_no)
        rows_of = rows_of.add_columns(order[-1]) \
            .order_by(*(c.desc() for c in within) if backwards else within) \
            .limit(limit - len(found))
        found.extend(_row(params, values) for values in db.session.execute(rows_of))

    if producer_key is not None and key[1] in counts:
        walk(key[1], after_key=True)
    if len(found) < limit:
        if producer_key is not None or producers is None:
            following = select(Party.id, Party.name).where(Party.id.in_(sorted(counts)))
            if producer_key is not None:
                names = tuple_(Party.name, Party.id)
                following = following.where(names < producer_key if backwards
                                            else names > producer_key, Party.id != key[1])
            producers = db.session.execute(following.order_by(
                *((Party.name.desc(), Party.id.desc()) if backwards
                  else (Party.name, Party.id)))).all()
        for producer_id, _name in producers:
            walk(producer_id, after_key=False)
            if len(found) >= limit:
                break
    return found[::-1] if backwards else found


def first_page(params: ReportParams, limit: int) -> tuple[list[ReportRow], dict[int, int]]:
    """The preview's first page and the rows per producer (summed: the count); later pages
    carry the counts. The counts come with the producers' names in the report's order, so
    the page starts walking at once. SQLite joins a producer's rows from the range's items
    for the page as for the counts, so there both come from one statement that joins them
    once (_first_page_in_one)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return _first_page_in_one(params, limit)
    named = _counts_named(params)
    return (page(params, limit, {pid: n for pid, _name, n in named},
                 producers=[(pid, name) for pid, name, _n in named]),
            {pid: n for pid, _name, n in named})


def _first_page_in_one(params: ReportParams,
                       limit: int) -> tuple[list[ReportRow], dict[int, int]]:
    """The first page and the rows per producer in one statement: the range's rows as a CTE
    used twice (materialised once), the page and the per-producer counts as a UNION ALL."""
    stmt, order = _statement(params)
    ranged = stmt.add_columns(order[-1].label("row_key")).cte("report_rows")
    cols = list(ranged.c)
    # The report's order among the CTE's columns: producer name, producer id, factory no.,
    # (the date,) the row's unique key.
    positions = (1, 0, 2, 4, len(cols) - 1) if params.kind == SERVICES else (1, 0, 2, len(cols) - 1)
    first = select(*cols).order_by(*(cols[i] for i in positions)).limit(limit).subquery("page")
    counted = select(cols[0].label("pid"), func.count().label("n")).group_by(cols[0]) \
        .subquery("counted")
    both = union_all(
        select(literal(1).label("part"), *first.c, null().label("n")),
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
    return {pid: n for pid, _name, n in _counts_named(params)}


def _counts_named(params: ReportParams) -> list[tuple[int, str, int]]:
    """The producers with rows, in the report's order, with their rows: one aggregate over
    the range's items joined with their orders and devices."""
    producer_id = _included(params, _order_window(params)).subquery().c.producer_id
    counted = select(producer_id, func.count().label("n")).group_by(producer_id).subquery()
    return [tuple(r) for r in db.session.execute(
        select(Party.id, Party.name, counted.c.n).join(counted, counted.c.producer_id == Party.id)
        .order_by(Party.name, Party.id)).all()]


def _order_window(params: ReportParams) -> tuple[int, int] | None:
    """For a short range, the lowest and highest order id of its items (the item index holds
    the order id), through which the counts read the orders. Every order the join can meet
    lies in it, so the counts are unchanged; and orders are numbered as they are made and
    their items done soon after, so a month's window is ~1,700 of 100,000 orders, read by
    the primary key, where PostgreSQL otherwise scans every order for a month's 1,209 items
    (docs/sql-plans.md). A long range (over WINDOW_DAYS, or WINDOW_ITEMS items) meets a large
    share of the orders anyway, and there a window only misleads the estimate of the join
    (PostgreSQL takes the window's orders as unrelated to the range's items, expects a
    seventh of the rows and probes the devices one by one: 43,689 buffers for a year, 2,479
    without): None, and no statement for it."""
    if (params.date_to - params.date_from).days > WINDOW_DAYS:
        return None
    # count(*) beside them makes PostgreSQL read the range's entries of the item index; min()
    # and max() alone it answers by walking the order-id index from either end, past every
    # item outside the range (127,015 of them for a year).
    lowest, highest, items = db.session.execute(
        select(func.min(OrderItem.order_id), func.max(OrderItem.order_id), func.count())
        .where(OrderItem.performed_on >= params.date_from,
               OrderItem.performed_on <= params.date_to)).one()
    return (lowest, highest) if 0 < items <= WINDOW_ITEMS else None


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
