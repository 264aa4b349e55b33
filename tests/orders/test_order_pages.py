"""The order screens: new order, tabs that save on their own, actions with clear messages."""

import re

import pytest
from sqlalchemy import func, select

from app import clock, tenancy
from app.extensions import db
from app.models import AuditEntry, Order, Role, Service
from tests import factories

# Orders are numbered in the clock's year (the suite also runs on 2 January 2027).
YEAR = clock.today().year

HX = {"HX-Request": "true"}


@pytest.fixture
def alfa(app, tenant_a, login):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    return tenant_a


def _order(app, tenant, number=None) -> dict:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        stmt = select(Order).order_by(Order.id.desc())
        if number:
            stmt = select(Order).where(Order.number == number)
        o = db.session.scalar(stmt)
        return {"id": o.id, "status": o.status, "number": o.number,
                "service_book": o.service_book, "items": len(o.items),
                "book_fault": o.book.fault if o.book else None, "started_at": o.started_at,
                "technician_id": o.technician_id}


def _flashes(response) -> str:
    return " ".join(re.findall(r'class="flash flash-\w+"[^>]*>([^<]*)',
                               response.get_data(as_text=True)))


def test_new_order_from_the_form(app, client, alfa):
    ids = alfa.ids
    page = client.get(f"/zlecenia/nowe?device_id={ids['device_id']}").get_data(as_text=True)
    assert "Klient Alfa" in page  # the device's client is preselected
    devices = client.get(f"/zlecenia/urzadzenia-opcje?client_id={ids['client_id']}",
                         headers=HX).get_data(as_text=True)
    assert f'<option value="{ids["device_id"]}"' in devices and "ZBF1801007587" in devices
    response = client.post("/zlecenia/nowe", data={
        "client_id": ids["client_id"], "device_id": ids["device_id"], "location_id": "",
        "technician_id": ids["technician_id"], "description": "Kasa nie drukuje"})
    assert response.status_code == 303
    order = _order(app, alfa)
    assert order["number"] == f"ZL/{YEAR}/000002" and order["status"] == "new"
    assert response.headers["Location"] == f"/zlecenia/{order['id']}"


def test_new_order_bad_input_kept_and_nothing_saved(app, client, alfa):
    ids = alfa.ids
    missing = client.post("/zlecenia/nowe", data={"client_id": "", "device_id": ""})
    assert "Wybierz klienta." in missing.get_data(as_text=True)
    foreign = client.post("/zlecenia/nowe", data={
        "client_id": ids["client_id"], "device_id": "999", "description": "Opis zostaje"})
    body = foreign.get_data(as_text=True)
    assert "Wybierz urządzenie tego klienta." in body and "Opis zostaje" in body
    with app.app_context(), tenancy.use_tenant(alfa.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_tabs_are_partials_that_save_on_their_own(app, client, alfa):
    order_id = alfa.ids["order_id"]
    full = client.get(f"/zlecenia/{order_id}/ksiazka").get_data(as_text=True)
    partial = client.get(f"/zlecenia/{order_id}/ksiazka", headers=HX)
    assert "<html" in full and "<html" not in partial.get_data(as_text=True)
    assert 'data-active-tab="book"' in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]
    saved = client.post(f"/zlecenia/{order_id}/ksiazka", headers=HX, data={
        "fault": "Nie drukuje paragonu", "seals_applied": "P-1234/5",
        "next_inspection_on": "2028-11-20"})
    assert "Zapisano książkę serwisową." in saved.get_data(as_text=True)
    assert _order(app, alfa)["book_fault"] == "Nie drukuje paragonu"
    too_long = client.post(f"/zlecenia/{order_id}/ksiazka", headers=HX,
                           data={"fault": "x", "program_version": "v" * 61})
    assert "Najwyżej 60 znaków, wpisano" in too_long.get_data(as_text=True)
    assert _order(app, alfa)["book_fault"] == "Nie drukuje paragonu"


def test_items_tab_adds_items_and_the_flag_follows_the_service(app, client, alfa):
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/wpis", data={})  # unflag
    assert _order(app, alfa)["service_book"] is False
    with app.app_context(), tenancy.use_tenant(alfa.id):
        plain = Service(name="Dojazd", service_book=False)
        db.session.add(plain)
        db.session.commit()
        plain_id = plain.id
    added = client.post(f"/zlecenia/{order_id}/pozycje", headers=HX, data={
        "service_id": plain_id, "quantity": "2", "price": "40,00", "performed_on": "2026-11-20"})
    assert "Dodano pozycję „Dojazd”." in added.get_data(as_text=True)
    assert _order(app, alfa)["service_book"] is False
    client.post(f"/zlecenia/{order_id}/pozycje", headers=HX, data={
        "service_id": alfa.ids["service_id"], "quantity": "1", "performed_on": "2026-11-20"})
    order = _order(app, alfa)
    assert order["service_book"] is True and order["items"] == 3
    bad = client.post(f"/zlecenia/{order_id}/pozycje", headers=HX, data={
        "service_id": "", "quantity": "0"})
    body = bad.get_data(as_text=True)
    assert "nie może być mniejsza niż 0.001" in body or "Wybierz usługę." in body
    assert _order(app, alfa)["items"] == 3


def test_close_refused_with_reasons_then_closed_once(app, client, alfa):
    order_id = alfa.ids["order_id"]
    refused = client.post(f"/zlecenia/{order_id}/zamknij", follow_redirects=True)
    assert "Najpierw rozpocznij zlecenie" in _flashes(refused)
    client.post(f"/zlecenia/{order_id}/rozpocznij")
    assert _order(app, alfa)["status"] == "started"
    closed = client.post(f"/zlecenia/{order_id}/zamknij", follow_redirects=True)
    assert f"Zamknięto zlecenie ZL/{YEAR}/000001." in _flashes(closed)
    again = client.post(f"/zlecenia/{order_id}/zamknij", follow_redirects=True)
    assert "Zlecenie jest już zamknięte." in _flashes(again)
    with app.app_context(), tenancy.use_tenant(alfa.id):
        closes = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "order.close"))
    assert closes == 1
    read_only = client.get(f"/zlecenia/{order_id}/pozycje").get_data(as_text=True)
    assert "Dodaj pozycję" not in read_only and "tylko do odczytu" in read_only
    edit = client.post(f"/zlecenia/{order_id}/ksiazka", headers=HX, data={"fault": "zmiana"})
    assert "Otwórz je ponownie" in edit.get_data(as_text=True)


def test_settle_needs_a_document_number(app, client, alfa):
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/rozpocznij")
    missing = client.post(f"/zlecenia/{order_id}/rozlicz", data={"doc_no": ""},
                          follow_redirects=True)
    assert "Podaj numer dokumentu rozliczenia." in _flashes(missing)
    assert _order(app, alfa)["status"] == "started"
    done = client.post(f"/zlecenia/{order_id}/rozlicz", data={
        "doc_no": "FV/9/2026", "doc_date": "2026-11-21"}, follow_redirects=True)
    assert "Rozliczono zlecenie" in _flashes(done)
    assert "FV/9/2026" in done.get_data(as_text=True)
    assert _order(app, alfa)["status"] == "settled"


def test_technician_cannot_reopen(app, client, alfa, login):
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/rozpocznij")
    client.post(f"/zlecenia/{order_id}/zamknij")
    client.post("/logout")
    with app.app_context():
        user_id = factories.make_user(alfa, "tech@alfa.pl", Role.TECHNICIAN)
        factories.link_technician(alfa, alfa.ids["technician_id"], user_id)
    login("tech@alfa.pl")
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "Otwórz ponownie" not in page
    refused = client.post(f"/zlecenia/{order_id}/wznow", follow_redirects=True)
    assert "właściciel lub biuro" in _flashes(refused)
    assert _order(app, alfa)["status"] == "closed"


def test_header_saves_technician_and_times(app, client, alfa):
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/rozpocznij")
    saved = client.post(f"/zlecenia/{order_id}/dane", headers=HX, data={
        "location_id": alfa.ids["location_id"], "technician_id": "",
        "started_at": "2026-11-20T09:15", "finished_at": "2026-11-20T08:00"})
    assert "Zakończenie nie może być wcześniejsze niż rozpoczęcie." in saved.get_data(
        as_text=True)
    assert _order(app, alfa)["technician_id"] == alfa.ids["technician_id"]
    client.post(f"/zlecenia/{order_id}/dane", headers=HX, data={
        "location_id": alfa.ids["location_id"], "technician_id": "",
        "started_at": "2026-11-20T09:15", "finished_at": ""})
    order = _order(app, alfa)
    assert order["technician_id"] is None
    assert order["started_at"].isoformat() == "2026-11-20T08:15:00+00:00"  # 09:15 in Warsaw


def test_lists_search_and_filters(app, client, alfa):
    client.post("/zlecenia/nowe", data={"client_id": alfa.ids["client_id"],
                                        "device_id": alfa.ids["device_id"]})
    rows = lambda url: re.findall(r">(ZL/\d{4}/\d{6})</a>", client.get(url).get_data(  # noqa: E731
        as_text=True))
    assert rows("/zlecenia") == [f"ZL/{YEAR}/000002", f"ZL/{YEAR}/000001"]
    for q in (f"ZL/{YEAR}/000002", f"{YEAR}/2", "2", "000002"):
        assert rows(f"/zlecenia?q={q}") == [f"ZL/{YEAR}/000002"], q
    assert len(rows("/zlecenia?q=klient alfa")) == 2
    assert len(rows("/zlecenia?q=KLIENT ÅLFÄ")) == 2  # folded: no case, no diacritics
    assert len(rows("/zlecenia?q=zbf18010")) == 2
    assert len(rows("/zlecenia?q=701-000")) == 2
    assert rows("/zlecenia?q=nic-takiego") == []
    assert rows(f"/zlecenia?technician_id={alfa.ids['technician_id']}") == [f"ZL/{YEAR}/000001"]
    assert rows("/zlecenia?book=1") == [f"ZL/{YEAR}/000001"]
    assert rows(f"/zlecenia?producer_id={alfa.ids['producer_id']}&status=new") == [
        f"ZL/{YEAR}/000002", f"ZL/{YEAR}/000001"]
    today = clock.today().isoformat()
    assert len(rows(f"/zlecenia?from={today}&to={today}")) == 2
    assert rows("/zlecenia?to=2000-01-01") == []
    assert rows("/zlecenia/zamkniete") == []
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/anuluj")
    assert rows("/zlecenia/zamkniete") == [f"ZL/{YEAR}/000001"]
    assert rows("/zlecenia") == [f"ZL/{YEAR}/000002"]


def test_technicians_see_and_work_on_their_own_orders_only(app, client, alfa, login):
    order_id = alfa.ids["order_id"]
    client.post("/logout")
    with app.app_context():
        mine = factories.make_user(alfa, "jan@alfa.pl", Role.TECHNICIAN)
        factories.make_user(alfa, "obcy@alfa.pl", Role.TECHNICIAN)
        factories.link_technician(alfa, alfa.ids["technician_id"], mine)
    login("obcy@alfa.pl")
    assert f"ZL/{YEAR}/000001" not in client.get("/zlecenia").get_data(as_text=True)
    assert client.get(f"/zlecenia/{order_id}").status_code == 404
    assert client.post(f"/zlecenia/{order_id}/rozpocznij").status_code == 404
    assert f"ZL/{YEAR}/000001" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login("jan@alfa.pl")
    assert f"ZL/{YEAR}/000001" in client.get("/zlecenia").get_data(as_text=True)
    assert client.post(f"/zlecenia/{order_id}/rozpocznij").status_code == 303
    assert _order(app, alfa)["status"] == "started"
