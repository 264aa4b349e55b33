"""One rule for deleting registry records (client, site, producer, device, service,
technician): owner and office only, at every delete route and in every service."""

import re

import pytest
from sqlalchemy import func, select

from app import create_app, tenancy
from app.config import TestingConfig
from app.domain_errors import Refused
from app.extensions import db
from app.models import Device, Location, Party, Role, Service, Technician
from app.records import NOT_ALLOWED
from app.references import DELETE_ROLES
from tests import factories

DELETES = {
    "parties.delete_client": ("/klienci/{client_id}/usun", Party),
    "parties.delete_location": ("/lokalizacje/{location_id}/usun", Location),
    "parties.delete_producer": ("/producenci/{producer_id}/usun", Party),
    "devices.delete_device": ("/urzadzenia/{device_id}/usun", Device),
    "catalog.delete_service": ("/uslugi/{service_id}/usun", Service),
    "technicians.delete": ("/serwisanci/{technician_id}/usun", Technician),
}


def test_every_registry_delete_route_is_listed_and_carries_the_one_role_set():
    app = create_app({k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
                     | {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    registry = ("parties.", "devices.", "catalog.", "technicians.")
    found = {r.endpoint for r in app.url_map.iter_rules()
             if r.endpoint.startswith(registry) and r.rule.endswith("/usun")
             and "uprawnienia" not in r.rule}  # an authorisation is part of its technician
    assert found == set(DELETES)
    for endpoint in DELETES:
        assert app.view_functions[endpoint].allowed_roles == {r.value for r in DELETE_ROLES}


@pytest.fixture
def alfa(app, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    return ids


def _count(app, tenant, model) -> int:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("endpoint", DELETES)
def test_a_technician_may_not_delete(app, client, tenant_a, alfa, login, endpoint):
    url, model = DELETES[endpoint]
    login("tech@alfa.pl")
    before = _count(app, tenant_a, model)
    assert client.post(url.format(**alfa)).status_code == 403
    assert _count(app, tenant_a, model) == before


@pytest.mark.parametrize("endpoint", DELETES)
def test_the_office_may_delete_what_nothing_refers_to(app, client, tenant_a, alfa, login,
                                                      endpoint):
    """The seeded records are all referenced: the office passes the role check and gets the
    reason instead."""
    url, model = DELETES[endpoint]
    login("biuro@alfa.pl")
    before = _count(app, tenant_a, model)
    response = client.post(url.format(**alfa), follow_redirects=True)
    assert response.status_code == 200
    assert "Nie można usunąć" in response.get_data(as_text=True)
    assert _count(app, tenant_a, model) == before


@pytest.mark.parametrize("path", ["/klienci/{client_id}", "/producenci/{producer_id}",
                                  "/urzadzenia/{device_id}", "/uslugi/{service_id}",
                                  "/serwisanci/{technician_id}"])
def test_usun_is_offered_only_to_those_who_may(app, client, tenant_a, alfa, login, path):
    for email, offered in (("tech@alfa.pl", False), ("biuro@alfa.pl", True)):
        client.post("/logout")
        login(email)
        page = client.get(path.format(**alfa)).get_data(as_text=True)
        deletes = [a for a in re.findall(r'action="([^"]*/usun)"', page)
                   if "/uprawnienia/" not in a]
        assert bool(deletes) is offered, (email, path, deletes)


def test_the_services_refuse_a_technician_too(app, tenant_a, alfa):
    from app.catalog.service import delete_service
    from app.devices.service import delete_device
    from app.parties.service import delete_client, delete_location, delete_producer
    from app.technicians.service import delete_technician

    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        calls = [(delete_client, Party, "client_id"), (delete_location, Location, "location_id"),
                 (delete_producer, Party, "producer_id"), (delete_device, Device, "device_id"),
                 (delete_service, Service, "service_id"),
                 (delete_technician, Technician, "technician_id")]
        for delete, model, key in calls:
            with pytest.raises(Refused) as refused:
                delete(db.session.get(model, alfa[key]), Role.TECHNICIAN.value)
            assert refused.value.message == NOT_ALLOWED
