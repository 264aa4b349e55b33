"""Kartoteki -> Urządzenia through the web: forms and their rules, inline checks, the list,
the detail page and delete."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from app import clock, tenancy
from app.devices import inspection, rules
from app.extensions import db
from app.listing import encode_cursor
from app.models import Device, Location, Party, Role
from tests import factories


def _count(app, tenant) -> int:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Device))


def _device(app, tenant, **where) -> Device | None:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        device = db.session.scalar(select(Device).filter_by(**where))
        if device is not None:
            db.session.expunge(device)
        return device


def _second_client(app, tenant, name="Drugi Klient") -> tuple[int, int]:
    """Another client of the tenant with its own site: (client_id, location_id)."""
    with app.app_context(), tenancy.use_tenant(tenant.id):
        client = Party(name=name, name_key=name.lower(), nip="5260250274", city="Kraków")
        db.session.add(client)
        db.session.flush()
        location = Location(client_id=client.id, name="Kiosk", street="Długa 5",
                            postal_code="30-001", city="Kraków")
        db.session.add(location)
        db.session.commit()
        return client.id, location.id


def _form(ids: dict, **changes) -> dict:
    data = {
        "kind": "register", "model": "Ergo Nowa", "producer_id": ids["producer_id"],
        "factory_no": "po808131056", "unique_no": " zbf 1801007588 ",
        "registration_no": "2018/000003892", "client_id": ids["client_id"],
        "location_id": ids["location_id"], "status": "fiscalized",
        "fiscalized_on": "2024-01-15", "liquidated_on": "",
        "inspection_interval_months": "24", "last_inspection_on": "2024-01-31",
    }
    data.update(changes)
    return data


@pytest.fixture
def alfa(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    return ids


# --- saving --------------------------------------------------------------------------------

def test_add_device_normalises_numbers_and_derives_next_inspection(app, client, tenant_a, alfa):
    response = client.post("/urzadzenia/nowe", data=_form(alfa))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    device = _device(app, tenant_a, unique_no="ZBF1801007588")
    assert (device.factory_no, device.registration_no, device.status) == (
        "PO808131056", "2018/000003892", "fiscalized")
    assert device.last_inspection_on == date(2024, 1, 31)
    assert device.next_inspection_due == date(2026, 1, 31)
    assert response.headers["Location"].endswith(f"/urzadzenia/{device.id}")

    detail = client.get(f"/urzadzenia/{device.id}").get_data(as_text=True)
    for text in ("Kasa fiskalna", "Ergo Nowa", "Producent Alfa", "PO808131056", "ZBF1801007588",
                 "2018/000003892", "Klient Alfa", "701-000-21-39", "Sklep Alfa", "Prosta 1",
                 "Zafiskalizowane", "15.01.2024", "co 24 miesiące", "31.01.2024", "31.01.2026"):
        assert text in detail, text


def test_editing_to_twelve_months_moves_the_next_inspection(app, client, tenant_a, alfa):
    device_id = alfa["device_id"]
    response = client.post(f"/urzadzenia/{device_id}/edycja", data=_form(
        alfa, factory_no="PO808131055", unique_no="ZBF1801007587",
        inspection_interval_months="12", last_inspection_on="31.01.2024"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    device = _device(app, tenant_a, id=device_id)
    assert device.next_inspection_due == date(2025, 1, 31)
    assert "co 12 miesięcy" in client.get(f"/urzadzenia/{device_id}").get_data(as_text=True)


BAD_INPUT = [
    ({"factory_no": "XX123"}, "factory_no",
     "Nr fabryczny nie pasuje do masek producenta: PO#########."),
    ({"factory_no": ""}, "factory_no", "Podaj nr fabryczny."),
    ({"factory_no": "PO" + "1" * 31}, "factory_no", "Nr fabryczny może mieć najwyżej 32 znaki."),
    ({"unique_no": "ABC1801007588"}, "unique_no",
     "Prefiks ABC nie należy do producenta (dozwolone: ZBF)."),
    ({"unique_no": "ZBF18010"}, "unique_no", "Nr unikatowy to 3 litery i 10 cyfr"),
    ({"unique_no": "ZB11801007588"}, "unique_no", "Nr unikatowy to 3 litery i 10 cyfr"),
    ({"unique_no": ""}, "unique_no", "Podaj nr unikatowy."),
    ({"unique_no": "zbf1801007587"}, "unique_no",
     "Urządzenie o nr unikatowym ZBF1801007587 już istnieje."),
    ({"factory_no": "PO808131055"}, "factory_no",
     "Urządzenie o nr fabrycznym PO808131055 już istnieje."),
    ({"registration_no": "2018/0000038920"}, "registration_no",
     "Najwyżej 14 znaków, wpisano 15."),
    ({"model": "M" * 101}, "model", "Najwyżej 100 znaków, wpisano 101."),
    ({"producer_id": ""}, "producer_id", "Wybierz producenta."),
    ({"client_id": ""}, "client_id", "Wybierz podatnika."),
    ({"status": "fiscalized", "fiscalized_on": ""}, "fiscalized_on", "Podaj datę fiskalizacji."),
    ({"status": "liquidated"}, "liquidated_on", "Podaj datę likwidacji."),
    ({"status": "liquidated", "liquidated_on": "2023-12-31"}, "liquidated_on",
     "Data likwidacji nie może być wcześniejsza niż data fiskalizacji."),
    ({"last_inspection_on": (clock.today() + timedelta(days=3)).isoformat()},
     "last_inspection_on", "Data nie może być późniejsza niż dzisiejsza."),
    ({"last_inspection_on": "31.02.2024"}, "last_inspection_on",
     "Nie ma takiego dnia: 31.02.2024."),
    ({"inspection_interval_months": "6"}, "inspection_interval_months", "Nieprawidłowy wybór"),
    ({"kind": "abacus"}, "kind", "Nieprawidłowy wybór"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT,
                         ids=[f"{c[1]}:{c[2][:30]}" for c in BAD_INPUT])
def test_bad_input_is_shown_at_the_field_and_nothing_saved(app, client, tenant_a, alfa,
                                                           changes, field, message):
    response = client.post("/urzadzenia/nowe", data=_form(alfa, **changes))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'<div class="error" id="{field}-error">(.*?)</div>', body, re.S)
    assert error and message in error.group(1), (message, error and error.group(1))
    kept = "Ergo Nowa" if "model" not in changes else "2018/000003892"
    assert f'value="{kept}"' in body  # the form is kept as typed
    typed = changes.get(field) if field in ("factory_no", "unique_no", "registration_no") else None
    if typed:
        assert f'value="{typed.strip()}"' in body
    assert _count(app, tenant_a) == 1


def test_duplicate_number_links_to_the_device_that_has_it(app, client, alfa):
    body = client.post("/urzadzenia/nowe", data=_form(alfa, unique_no="ZBF1801007587")
                       ).get_data(as_text=True)
    assert f'href="/urzadzenia/{alfa["device_id"]}">Pokaż urządzenie</a>' in body


def test_location_must_be_the_chosen_clients(app, client, tenant_a, alfa):
    _other_client, other_location = _second_client(app, tenant_a)
    body = client.post("/urzadzenia/nowe", data=_form(alfa, location_id=other_location)
                       ).get_data(as_text=True)
    assert "To miejsce instalacji należy do innego klienta niż wybrany podatnik." in body
    assert _count(app, tenant_a) == 1


def test_another_tenants_records_cannot_be_chosen(app, client, tenant_a, tenant_b, alfa):
    with app.app_context():
        beta = factories.populate(tenant_b, "Beta")
    for changes, message in (
        ({"producer_id": beta["producer_id"]}, "Wybierz producenta z listy."),
        ({"client_id": beta["client_id"]}, "Wybierz podatnika z listy."),
        ({"location_id": beta["location_id"]}, "Wybierz miejsce instalacji z listy."),
    ):
        body = client.post("/urzadzenia/nowe", data=_form(alfa, **changes)).get_data(as_text=True)
        assert message in body
        assert "Beta" not in body
    assert _count(app, tenant_a) == 1


def test_the_same_numbers_in_another_tenant_are_fine(app, client, tenant_a, tenant_b, login):
    with app.app_context():
        factories.populate(tenant_b, "Beta")  # has PO808131055 / ZBF1801007587
        alfa = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        device = db.session.get(Device, alfa["device_id"])
        device.factory_no, device.unique_no = "PO000000001", "ZBF0000000001"
        db.session.commit()
    for path, field, value in (("nr-fabryczny", "factory_no", "PO808131055"),
                               ("nr-unikatowy", "unique_no", "ZBF1801007587")):
        reply = client.post(f"/urzadzenia/sprawdz/{path}",
                            data={field: value, "producer_id": alfa["producer_id"]})
        assert reply.get_data(as_text=True) == ""
    response = client.post("/urzadzenia/nowe", data=_form(
        alfa, factory_no="PO808131055", unique_no="ZBF1801007587"))
    assert response.status_code == 303
    assert _count(app, tenant_a) == 2
    assert _device(app, tenant_b, unique_no="ZBF1801007587").factory_no == "PO808131055"


def test_a_number_taken_between_check_and_commit_is_refused(app, client, tenant_a, alfa,
                                                           monkeypatch):
    monkeypatch.setattr(rules, "_holder", lambda *args: None)  # the check sees nothing
    response = client.post("/urzadzenia/nowe", data=_form(alfa, unique_no="ZBF1801007587"))
    assert response.status_code == 200
    assert "już istnieje" in response.get_data(as_text=True)
    assert _count(app, tenant_a) == 1


def test_editing_keeps_own_numbers_and_the_id_in_the_url_wins(app, client, tenant_a, alfa):
    client.post("/urzadzenia/nowe", data=_form(alfa))
    other = _device(app, tenant_a, unique_no="ZBF1801007588")
    response = client.post(f"/urzadzenia/{alfa['device_id']}/edycja", data=_form(
        alfa, factory_no="PO808131055", unique_no="ZBF1801007587", model="Ergo 2",
        device_id=other.id))
    assert response.status_code == 303
    assert _device(app, tenant_a, id=alfa["device_id"]).model == "Ergo 2"
    assert _device(app, tenant_a, id=other.id).model == "Ergo Nowa"


def test_every_role_reads_and_edits_devices(app, client, tenant_a, alfa, login):
    """Only deleting is for owner and office (tests/web/test_registry_deletes.py)."""
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    for n, email in enumerate(("tech@alfa.pl", "biuro@alfa.pl")):
        client.post("/logout")
        login(email)
        assert client.get("/urzadzenia").status_code == 200
        page = client.get(f"/urzadzenia/{alfa['device_id']}").get_data(as_text=True)
        assert "Edytuj" in page
        assert ("Usuń" in page) == (email == "biuro@alfa.pl")
        response = client.post("/urzadzenia/nowe", data=_form(
            alfa, factory_no=f"PO80813106{n}", unique_no=f"ZBF180100760{n}"))
        assert response.status_code == 303
    assert _count(app, tenant_a) == 3


# --- the form's pickers ---------------------------------------------------------------------

def test_new_form_preselects_the_taxpayer_and_lists_only_its_sites(app, client, tenant_a, alfa):
    other_client, other_location = _second_client(app, tenant_a)
    page = client.get(f"/urzadzenia/nowe?client_id={other_client}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{other_client}">Drugi Klient \(NIP 526-025-02-74,'
                     r' Kraków\)</option>', page)
    assert f'value="{other_location}">Kiosk: Długa 5, 30-001 Kraków' in page
    assert "Sklep Alfa" not in page and "Klient Alfa" not in page
    assert 'hx-get="/klienci/opcje"' in page
    assert 'hx-get="/klienci/{client_id}/lokalizacje/opcje"' in page
    assert "Producent Alfa" in page  # the producers are all listed


def test_new_form_ignores_another_tenants_client(app, client, tenant_b, alfa):
    with app.app_context():
        beta = factories.populate(tenant_b, "Beta")
    page = client.get(f"/urzadzenia/nowe?client_id={beta['client_id']}").get_data(as_text=True)
    assert "Beta" not in page
    assert "wyszukaj podatnika" in page


def test_edit_form_shows_the_device_as_saved(app, client, alfa):
    page = client.get(f"/urzadzenia/{alfa['device_id']}/edycja").get_data(as_text=True)
    assert 'value="PO808131055"' in page and 'value="ZBF1801007587"' in page
    assert f'name="device_id" type="hidden" value="{alfa["device_id"]}"' in page or (
        f'name="device_id" value="{alfa["device_id"]}"' in page)
    assert "Klient Alfa (NIP 701-000-21-39, Miasto Alfa)" in page
    assert "Sklep Alfa: Prosta 1, 00-001 Warszawa" in page


# --- inline validation ----------------------------------------------------------------------

@pytest.mark.parametrize(("path", "data", "reply"), [
    ("nr-fabryczny", {"factory_no": "XX1"}, "nie pasuje do masek producenta: PO#########."),
    ("nr-fabryczny", {"factory_no": "po808131099"}, ""),
    ("nr-fabryczny", {"factory_no": "PO808131055"}, "Urządzenie o nr fabrycznym PO808131055"),
    ("nr-fabryczny", {"factory_no": "   "}, ""),
    ("nr-unikatowy", {"unique_no": "ABC1801007588"}, "Prefiks ABC nie należy do producenta"),
    ("nr-unikatowy", {"unique_no": "ZBF12"}, "Nr unikatowy to 3 litery i 10 cyfr"),
    ("nr-unikatowy", {"unique_no": "zbf 1801 007588"}, ""),
    ("nr-unikatowy", {"unique_no": "ZBF1801007587"}, "Urządzenie o nr unikatowym ZBF1801007587"),
    ("nr-unikatowy", {"unique_no": ""}, ""),
])
def test_inline_check_replies_with_the_error_only(client, alfa, path, data, reply):
    response = client.post(f"/urzadzenia/sprawdz/{path}",
                           data={**data, "producer_id": alfa["producer_id"]},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body
    if reply:
        assert body.startswith("<span>") and reply in body
    else:
        assert body == ""


def test_inline_check_follows_the_producer_and_the_edited_device(client, tenant_b, app, alfa):
    with app.app_context():
        beta = factories.populate(tenant_b, "Beta")
    check = "/urzadzenia/sprawdz/nr-fabryczny"
    # No producer chosen (or one of another tenant): no masks to fit.
    assert client.post(check, data={"factory_no": "XX1"}).get_data(as_text=True) == ""
    assert client.post(check, data={"factory_no": "XX1", "producer_id": beta["producer_id"]}
                       ).get_data(as_text=True) == ""
    assert "masek" in client.post(check, data={"factory_no": "XX1",
                                              "producer_id": alfa["producer_id"]}
                                  ).get_data(as_text=True)
    # The device being edited may keep its own numbers.
    for path, field, value in (("nr-fabryczny", "factory_no", "PO808131055"),
                               ("nr-unikatowy", "unique_no", "ZBF1801007587")):
        reply = client.post(f"/urzadzenia/sprawdz/{path}", data={
            field: value, "producer_id": alfa["producer_id"], "device_id": alfa["device_id"]})
        assert reply.get_data(as_text=True) == ""


def test_form_inputs_ask_the_inline_checks(client, alfa):
    page = client.get("/urzadzenia/nowe").get_data(as_text=True)
    for path, field in (("nr-fabryczny", "factory_no"), ("nr-unikatowy", "unique_no")):
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page).group(0)
        assert f'hx-post="/urzadzenia/sprawdz/{path}"' in tag
        assert f'hx-target="#{field}-error"' in tag
        assert "change from:#producer_id" in tag
        assert 'hx-include="#producer_id, [name=device_id]"' in tag


# --- list -----------------------------------------------------------------------------------

def _listed(body: str) -> list[str]:
    return re.findall(r'/urzadzenia/\d+">([A-Z]{3}\d{8,10})</a>', body)


@pytest.fixture
def fleet(app, tenant_a, alfa):
    """Alfa's populate device plus a second producer's printers and a second client."""
    other_client, other_location = _second_client(app, tenant_a, "Piekarnia Nowak")
    today = clock.today()
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        novitus = Party(name="Novitus", name_key="novitus", nip="7740001454", is_producer=True,
                        is_client=False)
        db.session.add(novitus)
        db.session.flush()
        db.session.add_all([
            Device(producer_id=novitus.id, kind="printer", factory_no="NOV0001",
                   unique_no="BEA0000000001", client_id=other_client, location_id=other_location,
                   status="fiscalized", fiscalized_on=today - timedelta(days=900),
                   last_inspection_on=today - timedelta(days=800),
                   next_inspection_due=today - timedelta(days=70), model="Deon"),
            Device(producer_id=novitus.id, kind="register", factory_no="NOV0002",
                   unique_no="BEA0000000002", client_id=other_client, status="liquidated",
                   liquidated_on=today - timedelta(days=10), model="Nano",
                   next_inspection_due=today - timedelta(days=5)),
            Device(producer_id=alfa["producer_id"], factory_no="PO000000003",
                   unique_no="ZBF0000000003", client_id=alfa["client_id"], model="Ergo",
                   next_inspection_due=today + timedelta(days=40)),
        ])
        db.session.commit()
        return {"novitus": novitus.id, "client": other_client}


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["ZBF0000000003", "BEA0000000002", "BEA0000000001", "ZBF1801007587"]),
    ("?q=1007587", ["ZBF1801007587"]),
    ("?q=zbf+18010", ["ZBF1801007587"]),
    ("?q=nov0002", ["BEA0000000002"]),
    ("?q=piekarnia+now", ["BEA0000000002", "BEA0000000001"]),
    ("?q=klient+alf", ["ZBF0000000003", "ZBF1801007587"]),
    ("?q=526-025-02", ["BEA0000000002", "BEA0000000001"]),
    ("?q=PL7010002139", ["ZBF0000000003", "ZBF1801007587"]),
    ("?q=100%25", []),
    ("?q=ergo", ["ZBF0000000003", "ZBF1801007587"]),
    ("?q=DEON", ["BEA0000000001"]),
    ("?q=ergo+alf", ["ZBF1801007587"]),
    ("?status=liquidated", ["BEA0000000002"]),
    ("?status=new", ["ZBF0000000003", "ZBF1801007587"]),
    ("?kind=printer", ["BEA0000000001"]),
    ("?kind=register&q=bea", ["BEA0000000002"]),
    ("?status=bogus", ["ZBF0000000003", "BEA0000000002", "BEA0000000001", "ZBF1801007587"]),
])
def test_list_search_and_filters(client, fleet, query, expected):
    body = client.get(f"/urzadzenia{query}").get_data(as_text=True)
    assert _listed(body) == expected


def test_list_filters_by_producer_and_inspection_due(client, fleet):
    body = client.get(f"/urzadzenia?producer={fleet['novitus']}").get_data(as_text=True)
    assert _listed(body) == ["BEA0000000002", "BEA0000000001"]
    due_to = (clock.today() + timedelta(days=30)).isoformat()
    body = client.get(f"/urzadzenia?due_to={due_to}&sort=due").get_data(as_text=True)
    assert _listed(body) == ["BEA0000000001", "BEA0000000002"]
    body = client.get("/urzadzenia?sort=due").get_data(as_text=True)
    assert _listed(body) == ["BEA0000000001", "BEA0000000002", "ZBF0000000003", "ZBF1801007587"]


def test_list_marks_overdue_inspections_except_liquidated(client, fleet):
    body = client.get("/urzadzenia?kind=printer").get_data(as_text=True)
    assert re.search(r'<td class="nowrap expired"[^>]*>\d\d\.\d\d\.\d{4}</td>', body)
    body = client.get("/urzadzenia?status=liquidated").get_data(as_text=True)
    assert "expired" not in body


def test_list_answers_htmx_with_the_rows_only(client, fleet):
    response = client.get("/urzadzenia?q=zzz", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Brak urządzeń pasujących do „zzz”" in body
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/urzadzenia?q=nov&status=fiscalized").get_data(as_text=True)
    assert 'value="nov"' in page and '<option value="fiscalized" selected>' in page


def _walk(client, url: str) -> list[str]:
    seen = []
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += _listed(body)
        nxt = re.search(r'href="([^"]+)"[^>]*rel="next"', body)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    return seen


@pytest.fixture
def many(app, tenant_a, alfa):
    """130 more devices: due dates repeating (so ids break ties), every fifth with none."""
    start = date(2025, 1, 1)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.add_all([
            Device(producer_id=alfa["producer_id"], client_id=alfa["client_id"],
                   factory_no=f"PO{i:09d}", unique_no=f"ZBF{i:010d}",
                   next_inspection_due=None if i % 5 == 0 else start + timedelta(days=i % 7))
            for i in range(1, 131)])
        db.session.commit()
        return [(d.next_inspection_due, d.id, d.unique_no)
                for d in db.session.scalars(select(Device))]


def test_keyset_pages_walk_every_device_newest_first(client, many):
    expected = [u for _due, _id, u in sorted(many, key=lambda r: r[1], reverse=True)]
    assert _walk(client, "/urzadzenia") == expected


def test_keyset_pages_walk_by_inspection_due_then_the_undated(client, many):
    dated = sorted((r for r in many if r[0]), key=lambda r: (r[0], r[1]))
    undated = sorted((r for r in many if not r[0]), key=lambda r: r[1])
    assert _walk(client, "/urzadzenia?sort=due") == [u for _d, _i, u in dated + undated]
    assert len(dated) % 50 != 0  # the page that holds both kinds is walked too


def test_keyset_page_boundary_exactly_at_the_last_dated_device(app, client, tenant_a, many):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        dated = db.session.scalars(select(Device).where(
            Device.next_inspection_due.is_not(None)).order_by(Device.id)).all()
        for device in dated[50:]:
            device.next_inspection_due = None
        db.session.commit()
    walked = _walk(client, "/urzadzenia?sort=due")
    assert len(walked) == len(many) and len(set(walked)) == len(many)


def test_list_queries_do_not_grow_with_the_rows(app, client, many):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/urzadzenia")
        client.get("/urzadzenia?sort=due&q=zbf")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    device_queries = [s for s in statements if "FROM device" in s]
    assert len(device_queries) <= 6, device_queries
    assert not [s for s in statements if s.lstrip().startswith("SELECT party") and
                "WHERE party.id =" in s]


# --- detail and delete ----------------------------------------------------------------------

def test_delete_is_refused_while_orders_refer_to_it(app, client, tenant_a, alfa):
    response = client.post(f"/urzadzenia/{alfa['device_id']}/usun", follow_redirects=True)
    assert "Nie można usunąć: urządzenie występuje w 1 zleceniu." in response.get_data(
        as_text=True)
    assert _count(app, tenant_a) == 1
    detail = client.get(f"/urzadzenia/{alfa['device_id']}").get_data(as_text=True)
    assert "Występuje w 1 zleceniu" in detail


def test_delete_an_unused_device(app, client, tenant_a, alfa):
    client.post("/urzadzenia/nowe", data=_form(alfa))
    device = _device(app, tenant_a, unique_no="ZBF1801007588")
    detail = client.get(f"/urzadzenia/{device.id}").get_data(as_text=True)
    assert "Urządzenie nie występuje w zleceniach." in detail
    response = client.post(f"/urzadzenia/{device.id}/usun")
    assert response.status_code == 303 and response.headers["Location"].endswith("/urzadzenia")
    assert _device(app, tenant_a, id=device.id) is None
    assert client.get(f"/urzadzenia/{device.id}").status_code == 404


def test_detail_marks_an_overdue_inspection(app, client, tenant_a, alfa):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        device = db.session.get(Device, alfa["device_id"])
        device.last_inspection_on = date(2020, 3, 31)
        device.next_inspection_due = inspection.next_inspection_due(date(2020, 3, 31), 24)
        db.session.commit()
    detail = client.get(f"/urzadzenia/{alfa['device_id']}").get_data(as_text=True)
    assert '<dd class="expired">31.03.2022 (po terminie)</dd>' in detail


def test_new_device_returns_to_a_local_next_page_with_its_ids(app, client, tenant_a, alfa):
    response = client.post("/urzadzenia/nowe?next=/zlecenia/nowe%3Fq%3Dx", data=_form(alfa))
    device = _device(app, tenant_a, unique_no="ZBF1801007588")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/zlecenia/nowe?q=x&client_id={alfa['client_id']}&device_id={device.id}")
    page = client.get("/urzadzenia/nowe?next=/zlecenia/nowe").get_data(as_text=True)
    assert 'class="button" href="/zlecenia/nowe">Anuluj' in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_new_device_never_returns_to_another_site(app, client, tenant_a, alfa, target):
    response = client.post("/urzadzenia/nowe", query_string={"next": target}, data=_form(alfa))
    device = _device(app, tenant_a, unique_no="ZBF1801007588")
    assert response.headers["Location"].endswith(f"/urzadzenia/{device.id}")


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(["not a date", 5]),
                                    encode_cursor([5, "x"]), encode_cursor(["2025-01-01"])])
def test_a_cursor_that_is_not_ours_gives_the_first_page(client, many, cursor):
    first = _listed(client.get("/urzadzenia?sort=due").get_data(as_text=True))
    response = client.get(f"/urzadzenia?sort=due&after={cursor}")
    assert response.status_code == 200
    listed = _listed(response.get_data(as_text=True))
    assert listed == first or cursor == encode_cursor(["2025-01-01"])  # one value: the undated
