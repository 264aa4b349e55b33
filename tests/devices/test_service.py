"""The devices service called directly, as the CLI, jobs and the API call it (no HTTP)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.devices import rules, service
from app.devices.rules import DeviceInput
from app.domain_errors import FieldErrors, Refused
from app.extensions import db
from app.models import AuditEntry, Device, Role


def _input(ids, **changes) -> DeviceInput:
    data = DeviceInput(producer_id=ids["producer_id"], factory_no="po808131056",
                       unique_no="zbf 1801007588", client_id=ids["client_id"],
                       location_id=ids["location_id"], status="fiscalized",
                       fiscalized_on=date(2024, 1, 15))
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def _devices() -> int:
    return db.session.scalar(select(func.count()).select_from(Device))


def _audited(action: str) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)))


def test_create_normalises_derives_and_audits(ids):
    device = service.create_device(_input(ids))
    assert (device.unique_no, device.next_inspection_due) == ("ZBF1801007588", date(2026, 1, 15))
    assert _audited("device.created") == ["ZBF1801007588 PO808131056"]


def test_a_taken_number_is_a_field_error_naming_the_holder_and_nothing_saved(ids):
    with pytest.raises(FieldErrors) as error:
        service.create_device(_input(ids, unique_no="ZBF1801007587", model="x" * 101))
    problems = error.value.problems
    assert set(problems) == {"unique_no", "model"}
    assert problems["unique_no"].duplicate_of == ids["device_id"]
    assert _devices() == 1 and _audited("device.created") == []


def test_a_number_taken_between_check_and_commit_is_named_at_its_field(ids, monkeypatch):
    monkeypatch.setattr(rules, "_holder", lambda *args: None)  # the check sees nothing
    with pytest.raises(FieldErrors) as error:
        service.create_device(_input(ids, factory_no="PO808131055"))
    assert str(error.value.problems["unique_no"]) == service.NUMBER_TAKEN
    assert _devices() == 1 and _audited("device.created") == []


def test_update_keeps_its_own_numbers(ids):
    device = db.session.get(Device, ids["device_id"])
    service.update_device(device, _input(ids, factory_no="PO808131055",
                                         unique_no="ZBF1801007587", model="Ergo 2"))
    assert db.session.get(Device, ids["device_id"]).model == "Ergo 2"
    assert _audited("device.updated") == ["ZBF1801007587 PO808131055"]


def test_delete_refused_while_orders_refer_to_it_then_allowed_when_unused(ids):
    with pytest.raises(Refused) as refused:
        service.delete_device(db.session.get(Device, ids["device_id"]), Role.OWNER.value)
    assert refused.value.message == "Nie można usunąć: urządzenie występuje w 1 zleceniu."
    unused = service.create_device(_input(ids))
    service.delete_device(unused, Role.OFFICE.value)
    assert _devices() == 1
    assert _audited("device.deleted") == ["ZBF1801007588 PO808131056"]
