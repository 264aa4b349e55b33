"""Kartoteki -> Serwisanci: the list, the forms' rules, authorisations, roles, deleting."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import clock, tenancy
from app.extensions import db
from app.formatting import date_pl
from app.models import Authorisation, Party, Role, Technician
from app.technicians.forms import TechnicianForm
from app.technicians.routes import expiry_state
from tests import factories

GOOD = {"name": "Anna Nowak", "identifier": "AN-01", "seal_no": "PL-0042", "user_id": "",
        "active": "y"}


def _technicians(app, tenant) -> list[Technician]:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        rows = db.session.scalars(select(Technician).order_by(Technician.id)).all()
        db.session.expunge_all()
        return rows


def _user(app, tenant, email: str, role: Role) -> int:
    with app.app_context():
        return factories.make_user(tenant, email, role)


def _authorisations(app, tenant) -> int:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Authorisation))


@pytest.fixture
def alfa(app, tenant_a):
    with app.app_context():
        return tenant_a, factories.populate(tenant_a, "Alfa")


def test_add_technician_with_an_account_and_find_it(app, client, alfa, login):
    tenant, _ids = alfa
    user_id = _user(app, tenant, "anna@alfa.pl", Role.TECHNICIAN)
    login(tenant.owner_email)
    form = client.get("/serwisanci/nowy").get_data(as_text=True)
    assert ">anna@alfa.pl</option>" in form
    assert f">{tenant.owner_email}</option>" not in form  # accounts of technicians only
    response = client.post("/serwisanci/nowy", data={**GOOD, "user_id": str(user_id)})
    assert response.status_code == 303
    anna = _technicians(app, tenant)[-1]
    assert (anna.name, anna.identifier, anna.seal_no, anna.user_id, anna.active) == (
        "Anna Nowak", "AN-01", "PL-0042", user_id, True)
    for q in ("nowak", "an-01", "PL-0042"):
        listing = client.get(f"/serwisanci?q={q}").get_data(as_text=True)
        assert "Anna Nowak" in listing and "anna@alfa.pl" in listing and "Jan Alfa" not in listing
    partial = client.get("/serwisanci?q=zzz", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    assert "Brak serwisantów" in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "Podaj imię i nazwisko serwisanta."),
    ({"name": "x" * 201}, "Najwyżej 200 znaków, wpisano 201."),
    ({"identifier": "  "}, "Podaj identyfikator serwisanta."),
    ({"identifier": "I" * 21}, "Najwyżej 20 znaków, wpisano 21."),
    ({"seal_no": ""}, "Podaj numer plomby."),
    ({"seal_no": "S" * 33}, "Najwyżej 32 znaki, wpisano 33."),
    ({"identifier": "T-Alfa"}, "Ten identyfikator ma już serwisant Jan Alfa."),
    ({"seal_no": "P-Alfa"}, "Ten numer plomby ma już serwisant Jan Alfa."),
    ({"user_id": "999999"}, "Nieprawidłowy wybór"),
])
def test_bad_input_is_shown_at_the_field_and_nothing_saved(app, client, alfa, login, change,
                                                           message):
    tenant, _ids = alfa
    login(tenant.owner_email)
    response = client.post("/serwisanci/nowy", data={**GOOD, **change})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    field = next(iter(change))
    assert re.search(rf'id="{field}-error">[^<]*<span>[^<]*{re.escape(message)}', body), body
    assert len(_technicians(app, tenant)) == 1


def test_twenty_characters_of_identifier_are_fine(app, client, alfa, login):
    tenant, _ids = alfa
    login(tenant.owner_email)
    response = client.post("/serwisanci/nowy", data={**GOOD, "identifier": "I" * 20})
    assert response.status_code == 303
    assert _technicians(app, tenant)[-1].identifier == "I" * 20


def test_another_tenants_identifier_and_seal_are_free_here(app, client, alfa, tenant_b, login):
    tenant, _ids = alfa
    with app.app_context():
        factories.populate(tenant_b, "Beta")
    login(tenant.owner_email)
    response = client.post("/serwisanci/nowy", data={**GOOD, "identifier": "T-Beta",
                                                      "seal_no": "P-Beta"})
    assert response.status_code == 303
    assert len(_technicians(app, tenant)) == 2


def test_edit_keeps_its_own_identifier_and_refuses_anothers(app, client, alfa, login):
    tenant, ids = alfa
    login(tenant.owner_email)
    client.post("/serwisanci/nowy", data=GOOD)
    url = f"/serwisanci/{ids['technician_id']}/edycja"
    page = client.get(url).get_data(as_text=True)
    assert 'value="T-Alfa"' in page
    response = client.post(url, data={"name": "Jan Kowalski", "identifier": "T-Alfa",
                                      "seal_no": "P-Alfa", "user_id": ""})
    assert response.status_code == 303
    jan = _technicians(app, tenant)[0]
    assert (jan.name, jan.active) == ("Jan Kowalski", False)
    response = client.post(url, data={"name": "Jan", "identifier": "AN-01", "seal_no": "P-Alfa"})
    assert "Ten identyfikator ma już serwisant Anna Nowak." in response.get_data(as_text=True)
    assert _technicians(app, tenant)[0].identifier == "T-Alfa"


def test_one_account_links_to_one_technician(app, client, alfa, login):
    tenant, ids = alfa
    user_id = _user(app, tenant, "jan@alfa.pl", Role.TECHNICIAN)
    login(tenant.owner_email)
    response = client.post(f"/serwisanci/{ids['technician_id']}/edycja", data={
        "name": "Jan Alfa", "identifier": "T-Alfa", "seal_no": "P-Alfa",
        "user_id": str(user_id), "active": "y"})
    assert response.status_code == 303
    response = client.post("/serwisanci/nowy", data={**GOOD, "user_id": str(user_id)})
    assert "To konto jest już przypisane do serwisanta Jan Alfa." in response.get_data(
        as_text=True)
    assert len(_technicians(app, tenant)) == 1


def test_other_tenants_account_is_not_a_choice(app, client, alfa, tenant_b, login):
    tenant, _ids = alfa
    stranger = _user(app, tenant_b, "obcy@beta.pl", Role.TECHNICIAN)
    login(tenant.owner_email)
    assert "obcy@beta.pl" not in client.get("/serwisanci/nowy").get_data(as_text=True)
    response = client.post("/serwisanci/nowy", data={**GOOD, "user_id": str(stranger)})
    assert "Nieprawidłowy wybór" in response.get_data(as_text=True)
    assert len(_technicians(app, tenant)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("identifier", "T-Alfa", "Ten identyfikator ma już inny serwisant."),
    ("seal_no", "P-Alfa", "Ten numer plomby ma już inny serwisant."),
])
def test_a_duplicate_that_slips_past_the_form_is_caught_at_the_field(
        app, client, alfa, login, monkeypatch, field, value, message):
    """Two requests saving the same number at once: the database's unique constraint decides."""
    tenant, _ids = alfa
    monkeypatch.setattr(TechnicianForm, f"validate_{field}", lambda form, f: None)
    login(tenant.owner_email)
    response = client.post("/serwisanci/nowy", data={**GOOD, field: value})
    assert response.status_code == 200
    assert re.search(rf'id="{field}-error"><span>{message}', response.get_data(as_text=True))
    assert len(_technicians(app, tenant)) == 1


# Authorisations


def _producer(app, tenant, name: str) -> int:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        party = Party(name=name, name_key=name.lower(), is_producer=True, is_client=False)
        db.session.add(party)
        db.session.commit()
        return party.id


def test_add_and_remove_authorisations_with_htmx(app, client, alfa, login):
    tenant, ids = alfa
    novitus = _producer(app, tenant, "Novitus")
    login(tenant.owner_email)
    url = f"/serwisanci/{ids['technician_id']}/uprawnienia"
    detail = client.get(f"/serwisanci/{ids['technician_id']}").get_data(as_text=True)
    assert 'id="authorisations"' in detail and "Novitus" in detail
    response = client.post(url, headers={"HX-Request": "true"}, data={
        "producer_id": str(novitus), "device_kind": "printer", "expires_on": "2030-06-30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section class="card" id="authorisations">')
    assert "Dodano uprawnienia." in body and "Drukarka fiskalna" in body and "30.06.2030" in body
    with app.app_context(), tenancy.use_tenant(tenant.id):
        added = db.session.scalar(select(Authorisation).where(Authorisation.producer_id == novitus))
        assert (added.technician_id, added.device_kind, added.expires_on) == (
            ids["technician_id"], "printer", date(2030, 6, 30))
        added_id = added.id
    response = client.post(f"{url}/{added_id}/usun", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Usunięto uprawnienia." in body and "30.06.2030" not in body
    assert _authorisations(app, tenant) == 1


def test_authorisations_work_without_javascript(app, client, alfa, login):
    tenant, ids = alfa
    login(tenant.owner_email)
    url = f"/serwisanci/{ids['technician_id']}/uprawnienia"
    response = client.post(url, data={"producer_id": str(ids["producer_id"]),
                                      "expires_on": "31.12.2031"})
    assert response.status_code == 303
    assert response.location.endswith(f"/serwisanci/{ids['technician_id']}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Dodano uprawnienia." in page and "31.12.2031" in page
    response = client.post(f"{url}/{ids['authorisation_id']}/usun")
    assert response.status_code == 303
    assert _authorisations(app, tenant) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"producer_id": ""}, "Wybierz producenta."),
    ({"producer_id": "abc"}, "Nieprawidłowy wybór"),
    ({"expires_on": ""}, "Podaj datę ważności uprawnień."),
    ({"expires_on": "31.02.2030"}, "Nie ma takiego dnia: 31.02.2030."),
    ({"device_kind": "toster"}, "Nieprawidłowy wybór"),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_authorisation_is_shown_at_the_field_and_nothing_saved(
        app, client, alfa, login, change, message, htmx):
    tenant, ids = alfa
    login(tenant.owner_email)
    data = {"producer_id": str(ids["producer_id"]), "device_kind": "", "expires_on": "2030-01-01",
            **change}
    response = client.post(f"/serwisanci/{ids['technician_id']}/uprawnienia", data=data,
                           headers={"HX-Request": "true"} if htmx else {})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" in body) is not htmx
    field = next(iter(change))
    assert re.search(rf'id="{field}-error"><span>{re.escape(message)}', body), body
    assert _authorisations(app, tenant) == 1


def test_the_same_authorisation_twice_is_refused(app, client, alfa, login):
    tenant, ids = alfa
    login(tenant.owner_email)
    data = {"producer_id": str(ids["producer_id"]), "device_kind": "register",
            "expires_on": "2030-01-01"}
    url = f"/serwisanci/{ids['technician_id']}/uprawnienia"
    assert client.post(url, data=data).status_code == 303
    response = client.post(url, data=data, headers={"HX-Request": "true"})
    assert 'id="expires_on-error"><span>Takie uprawnienia już są na liście.' in (
        response.get_data(as_text=True))
    assert _authorisations(app, tenant) == 2


def test_another_tenants_producer_is_refused(app, client, alfa, tenant_b, login):
    tenant, ids = alfa
    with app.app_context():
        beta = factories.populate(tenant_b, "Beta")
    login(tenant.owner_email)
    page = client.get(f"/serwisanci/{ids['technician_id']}").get_data(as_text=True)
    assert "Producent Beta" not in page
    response = client.post(f"/serwisanci/{ids['technician_id']}/uprawnienia", data={
        "producer_id": str(beta["producer_id"]), "expires_on": "2030-01-01"})
    assert response.status_code in {200, 404}
    if response.status_code == 200:
        assert 'id="producer_id-error"><span>Nieprawidłowy wybór' in response.get_data(
            as_text=True)
    assert _authorisations(app, tenant) == 1
    assert _authorisations(app, tenant_b) == 1


def test_removing_another_technicians_authorisation_is_404(app, client, alfa, login):
    tenant, ids = alfa
    login(tenant.owner_email)
    client.post("/serwisanci/nowy", data=GOOD)
    anna = _technicians(app, tenant)[-1]
    response = client.post(f"/serwisanci/{anna.id}/uprawnienia/{ids['authorisation_id']}/usun")
    assert response.status_code == 404
    assert _authorisations(app, tenant) == 1


def test_expired_is_red_and_expiring_amber_in_list_and_detail(app, client, alfa, login):
    tenant, ids = alfa
    today = clock.today()
    expired, soon = today - timedelta(days=1), today + timedelta(days=10)
    with app.app_context(), tenancy.use_tenant(tenant.id):
        db.session.add_all([
            Authorisation(technician_id=ids["technician_id"], producer_id=ids["producer_id"],
                          device_kind="register", expires_on=expired),
            Authorisation(technician_id=ids["technician_id"], producer_id=ids["producer_id"],
                          expires_on=soon),
        ])
        db.session.commit()
    login(tenant.owner_email)
    for url in ("/serwisanci", f"/serwisanci/{ids['technician_id']}"):
        page = client.get(url).get_data(as_text=True)
        assert f'<span class="expired nowrap">do {date_pl(expired)} (wygasło)</span>' in page, url
        assert f'<span class="expiring nowrap">do {date_pl(soon)} (wygasa)</span>' in page, url
        valid = date_pl(today + timedelta(days=365))
        assert f"do {valid}" in page and f"do {valid} (wyga" not in page, url  # not coloured


@pytest.mark.parametrize(("days", "state"), [(-1, "expired"), (0, "expiring"), (30, "expiring"),
                                             (31, "valid")])
def test_expiry_state_boundaries(days, state):
    today = date(2026, 5, 1)
    assert expiry_state(Authorisation(expires_on=today + timedelta(days=days)), today) == state


# Roles and deleting


def test_technician_reads_but_does_not_edit(app, client, alfa, login):
    tenant, ids = alfa
    _user(app, tenant, "tech@alfa.pl", Role.TECHNICIAN)
    login("tech@alfa.pl")
    base = f"/serwisanci/{ids['technician_id']}"
    assert "Jan Alfa" in client.get("/serwisanci").get_data(as_text=True)
    listing = client.get("/serwisanci").get_data(as_text=True)
    assert "Dodaj serwisanta" not in listing
    page = client.get(base).get_data(as_text=True)
    assert "Producent Alfa" in page
    for marker in ("Edytuj", "Usuń", "Dodaj uprawnienia", "/uprawnienia"):
        assert marker not in page, marker
    authorisation = {"producer_id": str(ids["producer_id"]), "expires_on": "2030-01-01"}
    for method, url, data in [
        ("GET", "/serwisanci/nowy", None), ("POST", "/serwisanci/nowy", GOOD),
        ("GET", f"{base}/edycja", None), ("POST", f"{base}/edycja", GOOD),
        ("POST", f"{base}/usun", None), ("POST", f"{base}/uprawnienia", authorisation),
        ("POST", f"{base}/uprawnienia/{ids['authorisation_id']}/usun", None),
    ]:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, data=data, headers=headers)
            assert response.status_code == 403, f"{method} {url}"
    assert [t.name for t in _technicians(app, tenant)] == ["Jan Alfa"]
    assert _authorisations(app, tenant) == 1


def test_delete_refused_when_orders_refer_to_it(app, client, alfa, login):
    tenant, ids = alfa
    login(tenant.owner_email)
    detail = client.get(f"/serwisanci/{ids['technician_id']}").get_data(as_text=True)
    assert "występuje w 1 zleceniu" in detail
    response = client.post(f"/serwisanci/{ids['technician_id']}/usun", follow_redirects=True)
    assert "Nie można usunąć: serwisant występuje w 1 zleceniu." in response.get_data(
        as_text=True)
    assert len(_technicians(app, tenant)) == 1
    client.post("/serwisanci/nowy", data=GOOD)
    anna = _technicians(app, tenant)[-1]
    client.post(f"/serwisanci/{anna.id}/uprawnienia", data={
        "producer_id": str(ids["producer_id"]), "expires_on": "2030-01-01"})
    response = client.post(f"/serwisanci/{anna.id}/usun")
    assert response.status_code == 303
    assert [t.name for t in _technicians(app, tenant)] == ["Jan Alfa"]
    assert _authorisations(app, tenant) == 1  # Anna's went with her


def test_keyset_pages_walk_all_technicians(app, client, tenant_a, login):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.add_all([Technician(name=f"Serwisant {i:03d}", identifier=f"S{i}",
                                       seal_no=f"PL{i}") for i in range(120)])
        db.session.commit()
    login(tenant_a.owner_email)
    seen, url = [], "/serwisanci"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(Serwisant \d{3})</a>", body)
        nxt = re.search(r'href="([^"]+)"[^>]*rel="next"', body)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [f"Serwisant {i:03d}" for i in range(120)]
