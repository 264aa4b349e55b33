"""What people type into the device form (issue 15): a factory number typed with spaces or
dashes is stored the producer's way, as the unique number is; an impossible day in an optional
or a required date is an error at the field, kept as typed, and nothing is saved."""

import re

import pytest
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Device
from tests import factories


@pytest.fixture
def alfa(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    return ids


def _form(ids: dict, **changes) -> dict:
    return {"kind": "register", "model": "Ergo", "producer_id": ids["producer_id"],
            "factory_no": "PO261122334", "unique_no": "ZBF1801007588", "registration_no": "",
            "client_id": ids["client_id"], "location_id": ids["location_id"],
            "status": "fiscalized", "fiscalized_on": "15.01.2024", "liquidated_on": "",
            "inspection_interval_months": "24", "last_inspection_on": "", **changes}


def _devices(app, tenant) -> list[tuple[str, str]]:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.execute(select(Device.factory_no, Device.unique_no)
                                  .order_by(Device.id)).all()


def _error(body: str, field: str) -> str:
    match = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>', body, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize("typed", ["po 261 122 334", "PO-261-122-334", " po261 122-334 "])
def test_a_factory_number_typed_with_separators_is_stored_normalised(app, client, tenant_a,
                                                                      alfa, typed):
    response = client.post("/urzadzenia/nowe", data=_form(
        alfa, factory_no=typed, unique_no="zbf 180-100-7588"))
    assert response.status_code == 303, _error(response.get_data(as_text=True), "factory_no")
    assert _devices(app, tenant_a)[-1] == ("PO261122334", "ZBF1801007588")


def test_the_inline_check_accepts_it_too(client, alfa):
    reply = client.post("/urzadzenia/sprawdz/nr-fabryczny", data={
        "factory_no": "po 261 122 334", "producer_id": alfa["producer_id"]})
    assert reply.status_code == 200 and "nie pasuje" not in reply.get_data(as_text=True)


def test_a_factory_number_fitting_no_mask_is_refused_at_the_field(app, client, tenant_a, alfa):
    response = client.post("/urzadzenia/nowe", data=_form(alfa, factory_no="po 261 122 33"))
    body = response.get_data(as_text=True)
    assert "nie pasuje do masek producenta: PO#########" in _error(body, "factory_no")
    assert len(_devices(app, tenant_a)) == 1  # the populated one only


@pytest.mark.parametrize("field", ["fiscalized_on", "last_inspection_on", "liquidated_on"])
def test_an_impossible_optional_date_is_an_error_never_dropped(app, client, tenant_a, alfa,
                                                                 field):
    response = client.post("/urzadzenia/nowe", data=_form(alfa, **{field: "31.02.2026"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nie ma takiego dnia: 31.02.2026." in _error(body, field)
    # Kept as typed, in a text input (a browser's date input would show it blank).
    assert re.search(rf'<input[^>]*id="{field}"[^>]*type="text"[^>]*value="31.02.2026"', body)
    assert len(_devices(app, tenant_a)) == 1


def test_a_date_shows_the_polish_way(app, client, tenant_a, alfa):
    body = client.get(f"/urzadzenia/{alfa['device_id']}/edycja").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="fiscalized_on"[^>]*placeholder="DD.MM.RRRR"', body)
    client.post("/urzadzenia/nowe", data=_form(alfa, fiscalized_on="2024-01-15"))
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        device_id = db.session.scalar(select(func.max(Device.id)))
    body = client.get(f"/urzadzenia/{device_id}/edycja").get_data(as_text=True)
    assert re.search(r'id="fiscalized_on"[^>]*value="15.01.2024"', body)


def test_an_over_long_model_is_refused_with_its_limit(app, client, tenant_a, alfa):
    form = client.get("/urzadzenia/nowe").get_data(as_text=True)
    assert "maks. 100 znaków" in form and "maxlength" not in form
    response = client.post("/urzadzenia/nowe", data=_form(alfa, model="M" * 500))
    assert "Najwyżej 100 znaków, wpisano 500." in _error(response.get_data(as_text=True),
                                                         "model")
    assert len(_devices(app, tenant_a)) == 1
