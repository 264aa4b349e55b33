import re

from sqlalchemy import select

from app import secrets, tenancy
from app.extensions import db
from app.models import Party, Role
from tests import factories

PRODUCER = {"name": "Posnet Polska S.A.", "nip": "527-245-73-54", "street": "Municypalna 33",
            "postal_code": "02-281", "city": "Warszawa", "email": "", "phone": ""}


def _errors(response) -> str:
    return " ".join(re.findall(r'<div class="error" id="[^"]+">(.*?)</div>',
                               response.get_data(as_text=True), re.S))


def _producer(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        p = db.session.scalar(select(Party).where(Party.is_producer.is_(True)))
        return p and {c: getattr(p, c) for c in ("id", "factory_masks", "unique_prefixes",
                                                   "api_url", "api_login", "api_key_encrypted",
                                                   "online", "nip")}


def test_add_producer_then_factory_check(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/producenci/nowy", data=PRODUCER)
    assert response.status_code == 303 and response.headers["Location"].endswith("/kontrola")
    check_url = response.headers["Location"]
    saved = client.post(check_url, data={
        "factory_masks": "po#########\nPO##########", "unique_prefixes": "zbf, EBF,ZBF",
        "api_url": "https://rzs.posnet.pl/api", "api_login": "serwis-x", "api_key": "k-8f2c",
        "online": "y"})
    assert saved.status_code == 303
    p = _producer(app, tenant_a)
    assert p["factory_masks"] == ["PO#########", "PO##########"]
    assert p["unique_prefixes"] == ["ZBF", "EBF"]
    assert (p["api_url"], p["api_login"], p["online"]) == ("https://rzs.posnet.pl/api",
                                                           "serwis-x", True)
    assert "k-8f2c" not in p["api_key_encrypted"]
    with app.app_context():
        assert secrets.decrypt(p["api_key_encrypted"]) == "k-8f2c"
    # The key is never shown back, and an empty key field keeps it.
    form = client.get(check_url).get_data(as_text=True)
    assert "k-8f2c" not in form and "zapisany" in form
    detail = client.get(f"/producenci/{p['id']}").get_data(as_text=True)
    assert "k-8f2c" not in detail and "ZBF, EBF" in detail
    client.post(check_url, data={"factory_masks": "", "unique_prefixes": "ZBF",
                                 "api_url": "https://rzs.posnet.pl/api", "api_login": "serwis-x",
                                 "api_key": ""})
    p2 = _producer(app, tenant_a)
    assert p2["api_key_encrypted"] == p["api_key_encrypted"] and p2["online"] is False
    client.post(check_url, data={"unique_prefixes": "ZBF", "clear_api_key": "y"})
    assert _producer(app, tenant_a)["api_key_encrypted"] == ""
    listing = client.get("/producenci").get_data(as_text=True)
    assert "Posnet Polska" in listing and "Offline" in listing


def test_factory_check_bad_input(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    url = f"/producenci/{ids['producer_id']}/kontrola"
    cases = [
        ({"unique_prefixes": "ZB, EBF1"}, "Prefiks to trzy litery; popraw: ZB, EBF1."),
        ({"api_url": "ftp://x"}, "Podaj pełny adres"),
        ({"api_url": "rzs.posnet.pl"}, "Podaj pełny adres"),
        ({"factory_masks": "P" * 33}, "jest za długa"),
        ({"api_login": "l" * 201}, "Najwyżej 200 znaków, wpisano 201."),
    ]
    before = _producer(app, tenant_a)
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 200
        assert message in _errors(response), (data, _errors(response))
    assert _producer(app, tenant_a) == before


def test_producer_nip_rules(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    bad = client.post("/producenci/nowy", data={**PRODUCER, "nip": "5272457355"})
    assert "Nieprawidłowy NIP: błędna suma kontrolna." in _errors(bad)
    client.post("/producenci/nowy", data=PRODUCER)
    dup = client.post("/producenci/nowy", data={**PRODUCER, "name": "Kopia"})
    assert "Kontrahent z tym NIP już istnieje" in _errors(dup)


def test_delete_producer_refused_while_devices_use_it(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    body = client.post(f"/producenci/{ids['producer_id']}/usun", follow_redirects=True).get_data(
        as_text=True)
    assert "Nie można usunąć: producent występuje w 1 urządzeniu i 1 uprawnieniu serwisanta." in (
        body)
    assert _producer(app, tenant_a) is not None


def test_technician_reads_producers_but_not_api_parameters(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login("tech@alfa.pl")
    assert client.get("/producenci").status_code == 200
    detail = client.get(f"/producenci/{ids['producer_id']}").get_data(as_text=True)
    assert "Kontrola Nr-f." not in detail and "Edytuj" not in detail
    before = _producer(app, tenant_a)
    url = f"/producenci/{ids['producer_id']}"
    assert client.get(f"{url}/kontrola").status_code == 403
    assert client.post(f"{url}/kontrola", data={"api_url": "https://evil.example"}
                       ).status_code == 403
    assert client.post(f"{url}/edycja", data=PRODUCER).status_code == 403
    assert client.post("/producenci/nowy", data=PRODUCER).status_code == 403
    assert _producer(app, tenant_a) == before


def test_client_url_does_not_show_a_producer(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    assert client.get(f"/klienci/{ids['producer_id']}").status_code == 404
    assert client.get(f"/producenci/{ids['client_id']}").status_code == 404
