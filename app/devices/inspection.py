"""The statutory technical inspection of a fiscal device: when the next one is due.

The first inspection is due an interval (24 or 12 months) after fiscalization, each next one an
interval after the last one; a liquidated device has none due. The device screens, closing or
settling an order (its F, P and L items) and the demo data all take the date from here."""

from datetime import date

from app.days import add_months
from app.models import Device, DeviceStatus


def next_inspection_due(last: date | None, months: int) -> date | None:
    """`months` after the last inspection (or the fiscalization); None without one."""
    return add_months(last, months) if last is not None else None


def next_due(status: str, fiscalized_on: date | None, last_inspection_on: date | None,
             interval_months: int) -> date | None:
    """The device's next inspection date from its registry data."""
    if status == DeviceStatus.LIQUIDATED.value:
        return None
    return next_inspection_due(last_inspection_on or fiscalized_on, interval_months)


def refresh(device: Device) -> None:
    """Derive the device's next inspection date again, after its data changed."""
    device.next_inspection_due = next_due(device.status, device.fiscalized_on,
                                          device.last_inspection_on,
                                          device.inspection_interval_months)
