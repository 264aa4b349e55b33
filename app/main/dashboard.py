"""What needs attention today: the figures of the dashboard, one small query each; and for a
new company, its first steps, all in one query."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    OPEN_STATUSES,
    Authorisation,
    Device,
    DeviceStatus,
    Order,
    OrderStatus,
    Party,
    Technician,
    Tenant,
    Transmission,
    TransmissionStatus,
)
from app.orders.access import visible_orders, visible_transmissions


@dataclass
class Attention:
    orders_by_status: dict[str, int]
    transmissions_by_status: dict[str, int]
    inspections_overdue: int
    inspections_due_soon: int
    authorisations_expiring: int
    authorisations_expired: int

    @property
    def open_orders(self) -> int:
        return sum(self.orders_by_status.get(status, 0) for status in OPEN_STATUSES)


# Transmissions that still need someone: on the way, or waiting for corrected data.
UNFINISHED_TRANSMISSIONS = (TransmissionStatus.PENDING.value, TransmissionStatus.SENDING.value,
                            TransmissionStatus.REJECTED.value, TransmissionStatus.UNKNOWN.value)


def attention(user, today: date, horizon_days: int = 30) -> Attention:
    """The figures as the user sees them: a technician counts his own orders' only."""
    by_status = dict(
        db.session.execute(
            select(Order.status, func.count())
            .where(Order.status.in_([*OPEN_STATUSES, OrderStatus.CLOSED.value]),
                   visible_orders(user))
            .group_by(Order.status)
        ).all()
    )
    soon = today + timedelta(days=horizon_days)
    active_device = Device.status != DeviceStatus.LIQUIDATED.value
    overdue = db.session.scalar(
        select(func.count()).select_from(Device)
        .where(active_device, Device.next_inspection_due < today)
    )
    due_soon = db.session.scalar(
        select(func.count()).select_from(Device)
        .where(active_device, Device.next_inspection_due >= today,
               Device.next_inspection_due <= soon)
    )
    expiring = db.session.scalar(
        select(func.count()).select_from(Authorisation)
        .where(Authorisation.expires_on >= today, Authorisation.expires_on <= soon)
    )
    expired = db.session.scalar(
        select(func.count()).select_from(Authorisation).where(Authorisation.expires_on < today)
    )
    transmissions = dict(db.session.execute(
        select(Transmission.status, func.count())
        .where(Transmission.status.in_(UNFINISHED_TRANSMISSIONS), visible_transmissions(user))
        .group_by(Transmission.status)).all())
    return Attention(by_status, transmissions, overdue or 0, due_soon or 0, expiring or 0,
                     expired or 0)


def recent_open_orders(user, limit: int = 10) -> list[Order]:
    stmt = (select(Order)
            .options(joinedload(Order.client), joinedload(Order.device))
            .where(Order.status.in_(OPEN_STATUSES), visible_orders(user)))
    return list(db.session.scalars(stmt.order_by(Order.id.desc()).limit(limit)))


def technician_day(user, limit: int = 30) -> list[Order]:
    """A technician's open orders, the work of his day first: those in progress (earliest
    started first), then the new ones (oldest first)."""
    stmt = (select(Order)
            .options(joinedload(Order.client), joinedload(Order.device),
                     joinedload(Order.location))
            .where(Order.status.in_(OPEN_STATUSES), visible_orders(user))
            .order_by((Order.status == OrderStatus.STARTED.value).desc(),
                      Order.started_at, Order.created_at, Order.id))
    return list(db.session.scalars(stmt.limit(limit)))


def inspections_due(today: date, horizon_days: int = 30, limit: int = 10) -> list[Device]:
    soon = today + timedelta(days=horizon_days)
    return list(
        db.session.scalars(
            select(Device)
            .options(joinedload(Device.client))
            .where(Device.status != DeviceStatus.LIQUIDATED.value,
                   Device.next_inspection_due <= soon)
            .order_by(Device.next_inspection_due)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class FirstStep:
    key: str
    label: str
    hint: str
    endpoint: str  # the screen where the step is done
    done: bool


# (key, label, hint, endpoint), in the order a new company takes them.
FIRST_STEPS = (
    ("company", "Uzupełnij dane firmy", "adres, telefon lub e-mail: trafiają na wydruki",
     "admin.index"),
    ("producer", "Dodaj producenta i wykonaj „Test połączenia”",
     "login i klucz API z RZS producenta", "parties.producers"),
    ("technician", "Dodaj serwisanta z numerem plomby", "bez niego nie zamkniesz przeglądu",
     "technicians.new"),
    ("client", "Dodaj pierwszego klienta", "podatnika z miejscem instalacji",
     "parties.new_client"),
    ("device", "Dodaj pierwsze urządzenie", "kasę lub drukarkę fiskalną klienta",
     "devices.new_device"),
    ("order", "Przyjmij pierwsze zlecenie", "przegląd, fiskalizację albo naprawę",
     "orders.new_order"),
)


def first_steps() -> list[FirstStep]:
    """The steps of a new company's first day, each ticked off by what it made; an empty list
    once all are done (the dashboard then shows none). One query: the tenant's row (scoped by
    app/tenancy.py like any other) with one EXISTS per step."""
    company_filled = and_(Tenant.street != "", Tenant.postal_code != "", Tenant.city != "",
                          (Tenant.phone != "") | (Tenant.email != ""))
    row = db.session.execute(select(
        company_filled,
        # A delivered event proves a working connection as well as a test does.
        exists().where(Party.tenant_id == Tenant.id, Party.is_producer.is_(True),
                       Party.last_test_ok.is_(True))
        | exists().where(Transmission.tenant_id == Tenant.id,
                         Transmission.status == TransmissionStatus.DELIVERED.value),
        exists().where(Technician.tenant_id == Tenant.id, Technician.seal_no != ""),
        exists().where(Party.tenant_id == Tenant.id, Party.is_client.is_(True)),
        exists().where(Device.tenant_id == Tenant.id),
        exists().where(Order.tenant_id == Tenant.id),
    ).select_from(Tenant)).first()
    if row is None or all(row):
        return []
    return [FirstStep(key, label, hint, endpoint, bool(done))
            for (key, label, hint, endpoint), done in zip(FIRST_STEPS, row, strict=True)]
