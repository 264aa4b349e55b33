"""What people type into the party forms (issue 15): a postal code typed any way is stored as
00-000 and one that cannot be a Polish code is refused at its field; a value over its length
limit is refused with the limit, said beside the field before anything is typed, never cut."""

import re

import pytest
from sqlalchemy import func, select

from app import tenancy
from app.domain_errors import FieldError
from app.extensions import db
from app.models import Location, Party
from app.parties import service
from tests import factories

CLIENT = {"name": "Sklep Pod Lipą", "nip": "526-025-02-74", "regon": "", "street": "Lipowa 5",
          "postal_code": "99100", "city": "Łęczyca", "email": "", "phone": ""}
PRODUCER = {"name": "Posnet Polska", "nip": "123-456-32-18", "street": "", "postal_code": "",
            "city": "", "email": "", "phone": ""}


def _error(response, field: str) -> str:
    match = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>',
                      response.get_data(as_text=True), re.S)
    return match.group(1) if match else ""


def _parties(app, tenant) -> list[Party]:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        parties = db.session.scalars(select(Party).order_by(Party.id)).all()
        db.session.expunge_all()
        return parties


@pytest.mark.parametrize("typed", ["99100", "99 100", "99-100"])
def test_client_postal_code_is_stored_as_00_000(app, client, tenant_a, login, typed):
    login(tenant_a.owner_email)
    response = client.post("/klienci/nowy", data={**CLIENT, "postal_code": typed})
    assert response.status_code == 303
    assert [p.postal_code for p in _parties(app, tenant_a)] == ["99-100"]


def test_a_postal_code_that_is_none_is_refused_at_the_field(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/klienci/nowy", data={**CLIENT, "postal_code": "9910"})
    assert response.status_code == 200
    assert "Kod pocztowy to 5 cyfr w formacie 00-000, np. 99-100." in _error(response,
                                                                               "postal_code")
    assert 'aria-describedby="postal_code-error"' in response.get_data(as_text=True)
    assert 'value="9910"' in response.get_data(as_text=True)  # kept as typed
    assert _parties(app, tenant_a) == []


def test_site_and_producer_postal_codes_follow_the_same_rule(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    url = f"/klienci/{ids['client_id']}/lokalizacje/nowa"
    site = {"name": "Kiosk", "street": "Polna 1", "postal_code": "30 001", "city": "Kraków"}
    assert client.post(url, data=site).status_code == 303
    bad = client.post(url, data={**site, "name": "Drugi", "postal_code": "3-0001"})
    assert "Kod pocztowy to 5 cyfr" in _error(bad, "postal_code")
    assert client.post("/producenci/nowy", data={**PRODUCER, "postal_code": "61248"}
                       ).status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        sites = db.session.scalars(select(Location.postal_code).where(
            Location.client_id == ids["client_id"]).order_by(Location.id)).all()
        assert sites == ["00-001", "30-001"]
        producer = db.session.scalar(select(Party).where(Party.name == "Posnet Polska"))
        assert producer.postal_code == "61-248"


def test_the_service_normalises_for_every_caller(app, tenant_a):
    """A future importer calls the service, not the form: the same rule, the same message."""
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        party = service.create_client(service.ClientData(
            name="Import", nip="5260250274", postal_code="99 100"))
        assert party.postal_code == "99-100"
        with pytest.raises(FieldError) as refused:
            service.create_location(party, service.LocationData(
                street="Polna 1", postal_code="99100 Łęczyca", city="Łęczyca"))
        assert refused.value.field == "postal_code"
        assert db.session.scalar(select(func.count()).select_from(Location)) == 0


def test_an_over_long_paste_is_refused_not_cut(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    form = client.get("/klienci/nowy").get_data(as_text=True)
    # The limit is said beside the field and tied to it; no maxlength to cut a paste.
    assert re.search(r'<input[^>]*aria-describedby="name-limit name-error"[^>]*id="name"', form)
    assert '<small class="hint" id="name-limit">maks. 200 znaków</small>' in form
    assert "maxlength" not in form
    pasted = "Sklep " + "x" * 494
    response = client.post("/klienci/nowy", data={**CLIENT, "name": pasted})
    assert response.status_code == 200
    assert "Najwyżej 200 znaków, wpisano 500. Skróć tekst." in _error(response, "name")
    assert pasted in response.get_data(as_text=True)  # all of it, for the user to shorten
    assert _parties(app, tenant_a) == []
