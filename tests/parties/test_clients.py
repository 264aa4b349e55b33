import re

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Location, Party, Role
from tests import factories

CLIENT = {"name": "Sklep Pod Lipą Sp. z o.o.", "nip": "526-025-02-74", "regon": "",
          "street": "Lipowa 5", "postal_code": "00-950", "city": "Warszawa",
          "email": "biuro@podlipa.pl", "phone": "22 111 22 33"}


def _clients(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Party))


def _errors(response) -> str:
    return " ".join(re.findall(r'<div class="error" id="[^"]+">(.*?)</div>',
                               response.get_data(as_text=True), re.S))


def test_add_client_then_site_and_find_it(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/klienci/nowy", data=CLIENT)
    assert response.status_code == 303 and "/lokalizacje/nowa" in response.headers["Location"]
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Lipowa 5"' in form  # the first site defaults to the client's address
    client.post(response.headers["Location"], data={"name": "Sklep nr 2", "street": "Polna 1",
                                                     "postal_code": "01-001", "city": "Kraków"})
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        party = db.session.scalar(select(Party))
        assert party.nip == "5260250274" and party.name_key == "sklep pod lipa sp. z o.o."
        assert [loc.city for loc in party.locations] == ["Kraków"]
    for q in ("pod lip", "POD LIPA", "5260250274", "526-025-02-74", "Warsz", "526"):
        body = client.get("/klienci", query_string={"q": q}).get_data(as_text=True)
        assert "Sklep Pod Lipą" in body, q
    assert "Sklep Pod Lipą" not in client.get("/klienci?q=Gdańsk").get_data(as_text=True)
    detail = client.get(f"/klienci/{party.id}").get_data(as_text=True)
    assert "526-025-02-74" in detail and "Sklep nr 2" in detail


def test_client_bad_input(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    cases = [
        ({"nip": "5260250275"}, "Nieprawidłowy NIP: błędna suma kontrolna."),
        ({"nip": "52602"}, "NIP musi mieć 10 cyfr."),
        ({"nip": ""}, "Podaj NIP."),
        ({"name": ""}, "Podaj nazwę klienta."),
        ({"name": "N" * 201}, "Najwyżej 200 znaków, wpisano 201."),
        ({"postal_code": "0095"}, "Kod pocztowy to 5 cyfr w formacie 00-000"),
        ({"email": "nie-mail"}, "To nie jest poprawny adres e-mail."),
        ({"regon": "123456789"}, "Nieprawidłowy REGON"),
        ({"city": "M" * 101}, "Najwyżej 100 znaków, wpisano 101."),
    ]
    for change, message in cases:
        response = client.post("/klienci/nowy", data={**CLIENT, **change})
        assert response.status_code == 200
        assert message in _errors(response), (change, _errors(response))
        assert 'value="Lipowa 5"' in response.get_data(as_text=True)  # kept as typed
    assert _clients(app, tenant_a) == 0


def test_duplicate_nip_within_tenant_refused_but_fine_in_another(app, client, tenant_a,
                                                                   tenant_b, login):
    login(tenant_a.owner_email)
    assert client.post("/klienci/nowy", data=CLIENT).status_code == 303
    again = client.post("/klienci/nowy", data={**CLIENT, "nip": "5260250274", "name": "Inny"})
    assert "Kontrahent z tym NIP już istnieje: Sklep Pod Lipą" in _errors(again)
    assert _clients(app, tenant_a) == 1
    client.post("/logout")
    login(tenant_b.owner_email)
    assert client.post("/klienci/nowy", data=CLIENT).status_code == 303
    assert _clients(app, tenant_b) == 1


def test_inline_nip_check(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    client.post("/klienci/nowy", data=CLIENT)
    check = lambda nip, **kw: client.post(  # noqa: E731
        "/klienci/sprawdz-nip", data={"nip": nip, **kw}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert check("1234563219") == "Nieprawidłowy NIP: błędna suma kontrolna."
    assert check("1234563218") == ""
    assert check("PL 123 456 32 18") == ""
    assert "już istnieje" in check("526-025-02-74")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        own_id = db.session.scalar(select(Party.id))
    assert check("5260250274", party_id=str(own_id)) == ""  # editing itself


def test_location_rules_and_delete_refusals(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    bad = client.post(f"/klienci/{ids['client_id']}/lokalizacje/nowa",
                      data={"street": "", "postal_code": "1", "city": ""})
    errors = _errors(bad)
    assert "Podaj ulicę i numer." in errors and "Podaj miejscowość." in errors
    assert "Kod pocztowy to 5 cyfr w formacie 00-000" in errors
    refused = client.post(f"/lokalizacje/{ids['location_id']}/usun", follow_redirects=True)
    assert "Nie można usunąć: miejsce instalacji występuje w 1 urządzeniu i 1 zleceniu." in (
        refused.get_data(as_text=True))
    refused = client.post(f"/klienci/{ids['client_id']}/usun", follow_redirects=True)
    assert "Nie można usunąć: klient występuje w 1 zleceniu i 1 urządzeniu." in (
        refused.get_data(as_text=True))
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Location)) == 1


def test_delete_unused_client_with_its_sites(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    site_url = client.post("/klienci/nowy", data=CLIENT).headers["Location"]
    client.post(site_url, data={"street": "Polna 1", "postal_code": "01-001", "city": "Kraków"})
    client_id = int(re.search(r"/klienci/(\d+)/", site_url).group(1))
    assert client.post(f"/klienci/{client_id}/usun").status_code == 303
    assert _clients(app, tenant_a) == 0


def test_client_options_for_pickers(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    body = client.get("/klienci/opcje?q=alfa").get_data(as_text=True)
    assert f'<option value="{ids["client_id"]}"' in body and "701-000-21-39" in body
    assert "Producent" not in body  # producers are not clients
    empty = client.get("/klienci/opcje?q=zzz").get_data(as_text=True)
    assert "Brak klientów" in empty
    chosen = client.get(f"/klienci/opcje?q=zzz&selected={ids['client_id']}").get_data(
        as_text=True)
    assert "selected" in chosen
    sites = client.get(f"/klienci/{ids['client_id']}/lokalizacje/opcje").get_data(as_text=True)
    assert f'<option value="{ids["location_id"]}"' in sites and "Prosta 1" in sites
    assert client.get(f"/klienci/{ids['producer_id']}/lokalizacje/opcje").status_code == 404


def test_technician_may_edit_clients(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login("tech@alfa.pl")
    assert client.post("/klienci/nowy", data=CLIENT).status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        client_id = db.session.scalar(select(Party.id))
    assert client.post(f"/klienci/{client_id}/usun").status_code == 403
