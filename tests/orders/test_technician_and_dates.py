"""The order screens for a technician (issue 15): settling is office work, so he is neither
offered it nor let do it; he gives an order only to himself. And the order's dates: an
impossible day is an error at the field, never dropped or blanked."""

import re

import pytest
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import AuditEntry, Order, OrderItem, Role, Technician
from app.orders import workflow
from tests import factories

HX = {"HX-Request": "true"}
JAN = "jan@alfa.pl"


@pytest.fixture
def world(app, tenant_a):
    """Jan is a technician account linked to the populated order's technician; Anna is
    another technician of the company, on no account of his."""
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        jan = factories.make_user(tenant_a, JAN, Role.TECHNICIAN)
        factories.link_technician(tenant_a, ids["technician_id"], jan)
        with tenancy.use_tenant(tenant_a.id):
            anna = Technician(name="Anna Inna", identifier="T-ANNA", seal_no="P-ANNA")
            db.session.add(anna)
            db.session.commit()
            ids["anna_id"] = anna.id
    return ids


def _order(app, tenant, order_id):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        order = db.session.get(Order, order_id)
        return order.status, order.technician_id, order.settlement_doc_no


def _flashes(response) -> str:
    return " ".join(re.findall(r'class="flash flash-\w+"[^>]*>([^<]*)',
                               response.get_data(as_text=True)))


def _close(client, order_id):
    assert client.post(f"/zlecenia/{order_id}/rozpocznij").status_code == 303
    assert client.post(f"/zlecenia/{order_id}/zamknij").status_code == 303


def test_a_technician_is_not_offered_settling_and_may_not_settle(app, client, tenant_a,
                                                                  login, world):
    order_id = world["order_id"]
    login(JAN)
    _close(client, order_id)
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert _order(app, tenant_a, order_id)[0] == "closed"
    assert "Rozlicz" not in page and "settle-form" not in page and "/rozlicz" not in page
    refused = client.post(f"/zlecenia/{order_id}/rozlicz",
                          data={"doc_no": "FV/1/2026", "doc_date": ""}, follow_redirects=True)
    assert "Rozliczyć zlecenie może tylko właściciel lub biuro." in _flashes(refused)
    assert _order(app, tenant_a, order_id) == ("closed", world["technician_id"], "")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "order.settle")) == 0


def test_the_office_settles_what_the_technician_closed(app, client, tenant_a, login, world):
    order_id = world["order_id"]
    login(JAN)
    _close(client, order_id)
    client.post("/logout")
    login(tenant_a.owner_email)
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "settle-form" in page
    client.post(f"/zlecenia/{order_id}/rozlicz", data={"doc_no": "FV/1/2026", "doc_date": ""})
    assert _order(app, tenant_a, order_id)[0::2] == ("settled", "FV/1/2026")


def test_the_workflow_refuses_settling_to_a_technician_for_every_entry_point(app, tenant_a,
                                                                             world):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        order = db.session.get(Order, world["order_id"])
        technician = workflow.Actor(None, Role.TECHNICIAN.value)
        workflow.start(technician, order)
        assert "settle" not in workflow.available_actions(order, Role.TECHNICIAN.value)
        assert "settle" in workflow.available_actions(order, Role.OFFICE.value)
        with pytest.raises(workflow.WorkflowError, match="tylko właściciel lub biuro"):
            workflow.settle(technician, order, doc_no="FV/1", doc_date=None)


def test_the_new_order_form_offers_a_technician_only_himself(app, client, tenant_a, login,
                                                              world):
    login(JAN)
    page = client.get("/zlecenia/nowe").get_data(as_text=True)
    select_html = re.search(r'<select id="technician_id".*?</select>', page, re.S).group(0)
    assert "Jan Alfa" in select_html and "Anna Inna" not in select_html
    assert "później" not in select_html
    order_tab = client.get(f"/zlecenia/{world['order_id']}").get_data(as_text=True)
    header_select = re.search(r'<select name="technician_id".*?</select>', order_tab,
                              re.S).group(0)
    assert "Jan Alfa" in header_select and "Anna Inna" not in header_select
    client.post("/logout")
    login(tenant_a.owner_email)
    page = client.get("/zlecenia/nowe").get_data(as_text=True)
    assert "Anna Inna" in page and "Jan Alfa" in page


def test_a_technician_may_not_give_an_order_to_someone_else(app, client, tenant_a, login,
                                                             world):
    login(JAN)
    response = client.post("/zlecenia/nowe", data={
        "client_id": world["client_id"], "device_id": world["device_id"],
        "technician_id": world["anna_id"], "description": ""})
    assert response.status_code == 200
    assert "Serwisant może przypisać zlecenie tylko sobie." in response.get_data(as_text=True)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    moved = client.post(f"/zlecenia/{world['order_id']}/dane", headers=HX, data={
        "technician_id": world["anna_id"], "location_id": world["location_id"],
        "description": ""})
    assert "Serwisant może przypisać zlecenie tylko sobie." in moved.get_data(as_text=True)
    assert _order(app, tenant_a, world["order_id"])[1] == world["technician_id"]


def test_an_impossible_item_day_is_an_error_never_today(app, client, tenant_a, login, world):
    """The item's day decides the next inspection: 31.02 must not become "today"."""
    login(tenant_a.owner_email)
    order_id = world["order_id"]
    response = client.post(f"/zlecenia/{order_id}/pozycje", headers=HX, data={
        "service_id": world["service_id"], "quantity": "1", "performed_on": "31.02.2026"})
    body = response.get_data(as_text=True)
    error = re.search(r'<div class="error" id="performed_on-error">(.*?)</div>', body, re.S)
    assert error and "Nie ma takiego dnia: 31.02.2026." in error.group(1)
    assert re.search(r'id="performed_on"[^>]*value="31.02.2026"', body)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(OrderItem)) == 1


def test_an_impossible_required_date_is_kept_at_its_field(app, client, tenant_a, login, world):
    login(tenant_a.owner_email)
    response = client.post(f"/serwisanci/{world['technician_id']}/uprawnienia", data={
        "producer_id": str(world["producer_id"]), "device_kind": "",
        "expires_on": "31.02.2026"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="expires_on-error"><span>Nie ma takiego dnia: 31.02.2026\.', body)
    assert re.search(r'id="expires_on"[^>]*value="31.02.2026"', body)
