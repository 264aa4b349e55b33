"""An order that liquidates its device: no inspection is due any more, whichever way the
order ends (closed, or settled straight from started), and the dashboard does not list it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app import clock, tenancy
from app.extensions import db
from app.main.dashboard import attention, inspections_due
from app.models import Device, Order, Role, Service
from app.orders import workflow
from app.orders.workflow import Actor
from tests import factories

OWNER = Actor(None, Role.OWNER.value)


@pytest.fixture
def due_device(app, tenant_a):
    """Tenant A's device, fiscalized and inspected, its next inspection overdue."""
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            today = clock.today()
            device = db.session.get(Device, tenant_a.ids["device_id"])
            device.status, device.fiscalized_on = "fiscalized", today - timedelta(days=900)
            device.last_inspection_on = today - timedelta(days=740)
            device.next_inspection_due = today - timedelta(days=10)
            db.session.commit()
    return tenant_a


def _liquidate(tenant, ending: str) -> Device:
    order = db.session.get(Order, tenant.ids["order_id"])
    workflow.start(OWNER, order)
    for item in list(order.items):
        workflow.remove_item(OWNER, order, item)
    service = Service(name="Likwidacja", special_kind="L", service_book=True)
    db.session.add(service)
    db.session.flush()
    workflow.add_item(OWNER, order, service_id=service.id, quantity=1, price=None,
                      vat_rate=None, performed_on=clock.today())
    if ending == "close":
        workflow.close(OWNER, order)
    else:
        workflow.settle(OWNER, order, doc_no="FV/7/2026", doc_date=None)
    workflow.commit()
    return db.session.get(Device, tenant.ids["device_id"])


def _listed_as_due(client) -> bool:
    soon = clock.today() + timedelta(days=30)
    return "ZBF1801007587" in client.get(f"/urzadzenia?due_to={soon}").get_data(as_text=True)


@pytest.mark.parametrize("ending", ["close", "settle"])
def test_a_liquidated_device_has_no_inspection_due(app, client, login, due_device, ending):
    login(due_device.owner_email)
    assert _listed_as_due(client)
    today = clock.today()
    owner = SimpleNamespace(id=None, role=Role.OWNER.value)
    with app.app_context(), tenancy.use_tenant(due_device.id):
        assert attention(owner, today).inspections_overdue == 1
        assert [d.id for d in inspections_due(today)] == [due_device.ids["device_id"]]

        device = _liquidate(due_device, ending)

        assert (device.status, device.liquidated_on) == ("liquidated", today)
        assert device.next_inspection_due is None
        assert inspections_due(today) == []
        after = attention(owner, today)
        assert (after.inspections_overdue, after.inspections_due_soon) == (0, 0)
        db.session.remove()
    assert not _listed_as_due(client)
