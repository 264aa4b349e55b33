"""Forms and pickers given another tenant's ids in the body or query string: refused, nothing
saved that points across tenants. Every case has a control: the same request with the
tenant's own ids does change something, so a refusal is not a form that never works.

Ids in URL paths are walked in test_tenant_isolation.py; this is the other half."""

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app import tenancy
from app.extensions import db
from app.models import Authorisation, Device, Order, OrderItem, Role, Technician
from tests import factories


def _cross_tenant_references() -> list[str]:
    """Every foreign key between two tenant tables whose rows belong to different tenants."""
    found = []
    with tenancy.all_tenants():
        for table in db.metadata.sorted_tables:
            if "tenant_id" not in table.c:
                continue
            for fk in table.foreign_keys:
                target = fk.column.table
                if "tenant_id" not in target.c:
                    continue
                sql = (f"SELECT count(*) FROM {table.name} t JOIN {target.name} r "
                       f"ON t.{fk.parent.name} = r.{fk.column.name} "
                       f"WHERE t.tenant_id <> r.tenant_id")
                if db.session.execute(text(sql)).scalar():
                    found.append(f"{table.name}.{fk.parent.name}")
    return found


@pytest.fixture
def two(app, client, tenant_a, tenant_b, login):
    with app.app_context():
        a = factories.populate(tenant_a, "Alfa")
        b = factories.populate(tenant_b, "Beta")
        a["tech_user_id"] = factories.make_user(tenant_a, "serwis@alfa.pl", Role.TECHNICIAN)
        b["tech_user_id"] = factories.make_user(tenant_b, "serwis@beta.pl", Role.TECHNICIAN)
    login(tenant_b.owner_email)
    return client, a, b, tenant_b


def _count(app, tenant, stmt):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(stmt)


# Each form: (url, data) built from the ids to try (another tenant's, or the control's own)
# and the tenant's own records the URL names; and a count that a saved row would raise.

def _new_order(ids, own):
    return "/zlecenia/nowe", {"client_id": ids["client_id"], "location_id": ids["location_id"],
                              "device_id": ids["device_id"],
                              "technician_id": ids["technician_id"], "description": "Obce id"}


def _new_device(ids, own):
    return "/urzadzenia/nowe", {
        "kind": "register", "model": "Obca", "producer_id": ids["producer_id"],
        "factory_no": "PO808131066", "unique_no": "ZBF1801007600",
        "client_id": ids["client_id"], "location_id": ids["location_id"], "status": "new",
        "inspection_interval_months": "24"}


def _new_technician(ids, own):
    return "/serwisanci/nowy", {"name": "Obcy Serwisant", "identifier": "T-OBCY",
                                "seal_no": "P-OBCY", "user_id": ids["tech_user_id"],
                                "active": "y"}


def _authorisation(ids, own):
    return (f"/serwisanci/{own['technician_id']}/uprawnienia",
            {"producer_id": ids["producer_id"], "device_kind": "",
             "expires_on": date(2030, 1, 1).strftime("%d.%m.%Y")})


def _item(ids, own):
    return (f"/zlecenia/{own['order_id']}/pozycje",
            {"service_id": ids["service_id"], "quantity": "1"})


def _rows(model, *where):
    return select(func.count()).select_from(model).where(*where)


CASES = {
    "new order": (_new_order, _rows(Order)),
    "new device": (_new_device, _rows(Device)),
    "technician's account": (_new_technician, _rows(Technician, Technician.user_id.is_not(None))),
    "authorisation's producer": (_authorisation, _rows(Authorisation)),
    "order item's service": (_item, _rows(OrderItem)),
}


@pytest.mark.parametrize("case", CASES)
def test_foreign_ids_in_a_form_are_refused(app, two, case):
    client, a, b, tenant_b = two
    build, counter = CASES[case]
    before = _count(app, tenant_b, counter)
    url, data = build(a, b)
    response = client.post(url, data=data)
    assert response.status_code in {200, 404, 422}, response.status_code
    assert _count(app, tenant_b, counter) == before, "saved with another tenant's ids"
    assert "Alfa" not in response.get_data(as_text=True)
    with app.app_context():
        assert _cross_tenant_references() == []
    # The control: the tenant's own ids go through.
    url, data = build(b, b)
    client.post(url, data=data)
    assert _count(app, tenant_b, counter) == before + 1, f"{case}: the form never works"


def test_order_header_keeps_its_own_site_and_technician(app, two):
    client, a, b, tenant_b = two
    response = client.post(f"/zlecenia/{b['order_id']}/dane", data={
        "location_id": a["location_id"], "technician_id": a["technician_id"],
        "description": "Zmiana"}, headers={"HX-Request": "true"})
    assert "Alfa" not in response.get_data(as_text=True)
    with app.app_context():
        assert _cross_tenant_references() == []
        with tenancy.use_tenant(tenant_b.id):
            order = db.session.get(Order, b["order_id"])
            assert order.location_id == b["location_id"] and order.description != "Zmiana"


@pytest.mark.parametrize("url", [
    "/zlecenia/urzadzenia-opcje?client_id={client_id}",
    "/zlecenia/lokalizacje-opcje?client_id={client_id}",
    "/zlecenia/nowe?client_id={client_id}&device_id={device_id}",
    "/urzadzenia/nowe?client_id={client_id}",
])
def test_pickers_given_foreign_ids_show_nothing_of_them(two, url):
    client, a, _b, _tenant_b = two
    response = client.get(url.format(**a), headers={"HX-Request": "true"})
    assert response.status_code in {200, 404}
    assert "Alfa" not in response.get_data(as_text=True)


def test_the_reference_check_finds_a_planted_one(app, two):
    _client, a, b, _tenant_b = two
    with app.app_context(), tenancy.all_tenants():
        db.session.execute(text("UPDATE device SET client_id = :a WHERE id = :b"),
                           {"a": a["client_id"], "b": b["device_id"]})
        db.session.commit()
        assert "device.client_id" in _cross_tenant_references()
