"""The catalogue service called directly, as the CLI, jobs and the API call it (no HTTP)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog import service
from app.catalog.service import ServiceData
from app.domain_errors import Refused
from app.extensions import db
from app.models import AuditEntry, Role, Service


def _actions(object_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "service", AuditEntry.object_id == object_id)
        .order_by(AuditEntry.id)))


def test_create_update_delete_each_audited(ids):
    created = service.create_service(ServiceData(name="Naprawa", price=Decimal("80.00"),
                                                 special_kind=""))
    assert created.special_kind is None
    service.update_service(created, ServiceData(name="Naprawa kasy", price=None))
    assert (created.name, created.price) == ("Naprawa kasy", 0)
    service.delete_service(created, Role.OFFICE.value)
    assert db.session.get(Service, created.id) is None
    assert _actions(created.id) == ["service.created", "service.updated", "service.deleted"]


def test_delete_refused_while_order_items_use_it_with_the_reason_and_the_hint(ids):
    used = db.session.get(Service, ids["service_id"])
    with pytest.raises(Refused) as refused:
        service.delete_service(used, Role.OWNER.value)
    assert refused.value.message == ("Nie można usunąć: usługa występuje w 1 pozycji zlecenia. "
                                     "Możesz oznaczyć ją jako nieaktywną.")
    assert db.session.get(Service, ids["service_id"]) is not None
    assert _actions(ids["service_id"]) == []
