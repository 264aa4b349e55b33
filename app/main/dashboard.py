"""What needs attention today: the figures of the dashboard, one small query each."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Authorisation, Device, DeviceStatus, Order, OrderStatus, Transmission


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
        return self.orders_by_status.get("new", 0) + self.orders_by_status.get("started", 0)


def attention(today: date, horizon_days: int = 30) -> Attention:
    by_status = dict(
        db.session.execute(
            select(Order.status, func.count())
            .where(Order.status.in_([OrderStatus.NEW.value, OrderStatus.STARTED.value,
                                     OrderStatus.CLOSED.value]))
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
        .where(Transmission.status.in_(["pending", "sending", "rejected", "unknown"]))
        .group_by(Transmission.status)).all())
    return Attention(by_status, transmissions, overdue or 0, due_soon or 0, expiring or 0,
                     expired or 0)


def recent_open_orders(user, limit: int = 10) -> list[Order]:
    from app.orders.queries import own_orders

    stmt = (select(Order)
            .options(joinedload(Order.client), joinedload(Order.device))
            .where(Order.status.in_([OrderStatus.NEW.value, OrderStatus.STARTED.value])))
    restriction = own_orders(user)
    if restriction is not None:
        stmt = stmt.where(restriction)
    return list(db.session.scalars(stmt.order_by(Order.id.desc()).limit(limit)))


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
