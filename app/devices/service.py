"""Fiscal devices: create, update, delete. The rules of what may be saved are in
app/devices/rules.py; this saves what they allow, audited, in one commit. The screens, the CLI,
jobs and the API call these."""

from app import clock
from app.devices import rules
from app.devices.rules import DeviceInput, Problem
from app.domain_errors import FieldErrors
from app.extensions import db
from app.models import Device
from app.records import delete, save

NUMBER_TAKEN = "Urządzenie o tym nr unikatowym lub fabrycznym już istnieje."


def create_device(data: DeviceInput) -> Device:
    return _save(Device(), data, "device.created")


def update_device(device: Device, data: DeviceInput) -> Device:
    return _save(device, data, "device.updated")


def delete_device(device: Device, role: str) -> None:
    delete(device, "urządzenie", "device.deleted", _label(device), role)


def _save(device: Device, data: DeviceInput, action: str) -> Device:
    """Every rule is checked; FieldErrors (rules.Problem per field) when any fails, and nothing
    is written. A number another request took between the check and the commit is checked
    again to name the field."""
    clean, problems = rules.check_device(db.session, data, device.id, clock.today())
    if problems:
        raise FieldErrors(problems)
    rules.apply(device, clean)

    def conflict(exc) -> FieldErrors:
        _, problems = rules.check_device(db.session, clean, device.id, clock.today())
        return FieldErrors(problems or {"unique_no": Problem(NUMBER_TAKEN)})

    return save(device, action, lambda: _label(device), conflict)


def _label(device: Device) -> str:
    return f"{device.unique_no} {device.factory_no}"
