"""Przeglądy: the list and its filters, the exports, orders from the list for every role."""

import re
from datetime import timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Device, Order, OrderStatus, Role
from app.orders import workflow
from tests import factories


def _shown(html: str) -> set[str]:
    return {n for n in (f"ZBF{i:010d}" for i in range(1, 20)) if n in html}


def test_windows_and_filters(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    overdue = client.get("/przeglady?window=overdue").get_data(as_text=True)
    # Liquidated, undated and the other company's devices are never listed.
    assert _shown(overdue) == {"ZBF0000000001", "ZBF0000000002"}
    assert "po terminie" in overdue
    # The never-fiscalized device of populate() and "undated": said, not listed.
    assert "2 aktywne urządzenia nie mają terminu przeglądu" in client.get(
        "/przeglady").get_data(as_text=True)
    within30 = _shown(client.get("/przeglady?window=30").get_data(as_text=True))
    assert within30 == {"ZBF0000000001", "ZBF0000000002", "ZBF0000000003", "ZBF0000000004",
                        "ZBF0000000007", "ZBF0000000008"}
    target = clock.today() + timedelta(days=75)
    month = target.replace(day=1)
    shown = _shown(client.get(f"/przeglady?window=month&month={month:%Y-%m}").get_data(
        as_text=True))
    assert "ZBF0000000006" in shown and "ZBF0000000001" not in shown
    gdansk = _shown(client.get("/przeglady?city=Gdańsk").get_data(as_text=True))
    assert gdansk == {"ZBF0000000003", "ZBF0000000005"}
    ordered = _shown(client.get("/przeglady?ordered=no&window=overdue").get_data(as_text=True))
    assert ordered == {"ZBF0000000001", "ZBF0000000002"}
    page = client.get("/przeglady?window=overdue").get_data(as_text=True)
    assert "Beta" not in page


def test_dates_are_polish_and_the_dashboard_links_here(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    html = client.get("/przeglady?window=overdue").get_data(as_text=True)
    assert f"{clock.today() - timedelta(days=5):%d.%m.%Y}" in html
    assert "/przeglady?window=overdue" in client.get("/").get_data(as_text=True)


def test_keyset_pages_walk_every_device_once(app, client, login, due, tenant_a):
    from tests.inspections.conftest import add_device

    with app.app_context():
        for n in range(60):
            add_device(tenant_a.id, due["ids"]["producer_id"], due["clients"]["anna"], 100 + n,
                       n % 7)
    login(tenant_a.owner_email)
    seen, url = [], "/przeglady?window=90"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'data-device="(ZBF\d+)"', html)
        nxt = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) == 60 + 8


def test_exports(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    csv = client.get("/przeglady/eksport.csv?window=overdue")
    assert csv.status_code == 200
    text = csv.data.decode("utf-8-sig")
    assert "Termin przeglądu" in text and "ZBF0000000002" in text and "ZBF0000000004" not in text
    assert f"{clock.today() - timedelta(days=5):%d.%m.%Y}" in text
    assert client.get("/przeglady/eksport.xlsx").data[:2] == b"PK"
    assert client.get("/przeglady/eksport.pdf?window=30").data[:4] == b"%PDF"
    assert client.get("/przeglady/eksport.exe").status_code == 404


def test_orders_from_the_list_and_closing_one_moves_it(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    d, ids = due["devices"], due["ids"]
    response = client.post("/przeglady/zlecenia", data={
        "device_ids": [d["overdue"], d["overdue2"]], "technician_id": ids["technician_id"],
        "planned_on": clock.today().isoformat(),
        "back": "/przeglady?window=overdue"})
    assert response.status_code == 303, response.data.decode()[:800]
    assert response.headers["Location"].endswith("/przeglady?window=overdue")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        orders = db.session.scalars(select(Order).where(
            Order.device_id.in_([d["overdue"], d["overdue2"]])).order_by(Order.id)).all()
        assert len(orders) == 2
        year = clock.today().year
        assert [o.number for o in orders] == [f"ZL/{year}/000002", f"ZL/{year}/000003"]
        assert all(o.technician_id == ids["technician_id"] for o in orders)
        assert all([i.special_kind for i in o.items] == ["P"] for o in orders)
        assert orders[0].planned_on == clock.today()
        order = orders[0]
        actor = workflow.Actor(ids["user_id"], Role.OWNER.value)
        workflow.start(actor, order)
        workflow.close(actor, order)
        workflow.commit()
        assert db.session.get(Device, d["overdue"]).next_inspection_due > clock.today()
        db.session.remove()
    html = client.get("/przeglady?window=overdue").get_data(as_text=True)
    assert "ZBF0000000001" not in html and "ZBF0000000002" in html
    # Asking again skips the device with an open order and says so.
    client.post("/przeglady/zlecenia", data={"device_ids": [d["overdue2"]],
                                             "technician_id": ids["technician_id"],
                                             "planned_on": clock.today().isoformat()})
    assert "ma już otwarte zlecenie" in client.get("/przeglady").get_data(as_text=True)


def test_all_overdue_of_a_client(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    response = client.post("/przeglady/zlecenia", data={
        "client_id": due["clients"]["anna"], "technician_id": due["ids"]["technician_id"],
        "planned_on": clock.today().isoformat()})
    assert response.status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        devices = set(db.session.scalars(select(Order.device_id).where(
            Order.status == OrderStatus.NEW.value, Order.client_id == due["clients"]["anna"])))
    assert devices == {due["devices"]["overdue"], due["devices"]["overdue2"]}


def test_bad_input_is_said_at_the_field(app, client, login, due, tenant_a):
    login(tenant_a.owner_email)
    response = client.post("/przeglady/zlecenia", data={
        "device_ids": [due["devices"]["in3"]], "planned_on": clock.today().isoformat(),
        "back": "/przeglady?window=overdue"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Wybierz serwisanta." in html and 'aria-invalid="true"' in html
    # Shown again with the list's filters as they were on screen (the rows' own address).
    assert "ZBF0000000001" in html and "ZBF0000000004" not in html
    past = (clock.today() - timedelta(days=1)).isoformat()
    response = client.post("/przeglady/zlecenia", data={
        "device_ids": [due["devices"]["in3"]], "technician_id": due["ids"]["technician_id"],
        "planned_on": past})
    assert "nie może być w przeszłości" in response.get_data(as_text=True)
    # Another company's device is simply not found: nothing is created.
    response = client.post("/przeglady/zlecenia", data={
        "device_ids": [due["devices"]["beta"]], "technician_id": due["ids"]["technician_id"],
        "planned_on": clock.today().isoformat()})
    assert response.status_code == 422
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(db.func.count()).select_from(Order)) == 1


def test_technicians_see_the_list_but_do_not_create_orders(app, client, login, due, tenant_a):
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login("tech@alfa.pl")
    assert client.get("/przeglady").status_code == 200
    assert client.post("/przeglady/zlecenia", data={
        "device_ids": [due["devices"]["overdue"]]}).status_code == 403
    assert client.get("/przeglady/eksport.csv").status_code == 403


def _row(html: str, unique_no: str) -> str:
    found = re.search(rf'<tr[^>]*data-device="{unique_no}">(.*?)</tr>', html, re.S)
    assert found, unique_no
    return found.group(1)


def test_rows_show_their_open_order_and_current_reminder_in_statements_not_per_row(
        app, client, login, due, tenant_a):
    """The open order and the reminder of the present due date are shown on the row (an older
    due date's reminder is not); a page of 50 rows costs the statements a page of 8 costs."""
    from sqlalchemy import event

    from app.models import Reminder
    from tests.inspections.conftest import add_device

    d, clients = due["devices"], due["clients"]
    login(tenant_a.owner_email)
    client.post("/przeglady/zlecenia", data={
        "device_ids": [d["in3"]], "technician_id": due["ids"]["technician_id"],
        "planned_on": clock.today().isoformat()})
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        for device_id, shift in ((d["in20"], 0), (d["in40"], -365)):
            device = db.session.get(Device, device_id)
            db.session.add(Reminder(
                device_id=device_id, client_id=device.client_id, step=1, email="x@klient.pl",
                due_on=device.next_inspection_due + timedelta(days=shift), status="sent",
                sent_at=clock.now()))
        db.session.commit()
        engine = db.engine
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        html = client.get("/przeglady?window=90").get_data(as_text=True)
        few = len(statements)
        with app.app_context():
            for n in range(60):
                device_id = add_device(tenant_a.id, due["ids"]["producer_id"], clients["anna"],
                                       100 + n, n % 7)
                with tenancy.use_tenant(tenant_a.id):
                    db.session.add(Reminder(
                        device_id=device_id, client_id=clients["anna"], step=1, email="a@k.pl",
                        due_on=db.session.get(Device, device_id).next_inspection_due))
                    db.session.commit()
        statements.clear()
        full = client.get("/przeglady?window=90").get_data(as_text=True)
        assert len(re.findall(r'data-device="', full)) == 50
        assert len(statements) == few, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
    year = clock.today().year
    assert f"ZL/{year}/000002" in _row(html, "ZBF0000000003")
    assert "Nowe" in _row(html, "ZBF0000000003")
    assert "Wysłane" in _row(html, "ZBF0000000004")
    assert "Wysłane" not in _row(html, "ZBF0000000005")
    assert "brak zgody" in _row(html, "ZBF0000000007")
    assert "Do wysłania" in _row(full, "ZBF0000000100")


def test_city_filter_follows_the_devices_town(app, client, login, due, tenant_a):
    """A device is in the town of its site, or of its client's seat when it has no site or a
    site without a city; not a device of a client seated there whose site is elsewhere. The
    town follows the writes (app/devices/town.py): a site's new city, a client's new seat, a
    device moved to another site."""
    from app.models import Location, Party
    from tests.inspections.conftest import add_device

    bolek, producer = due["clients"]["bolek"], due["ids"]["producer_id"]
    with app.app_context():
        with tenancy.use_tenant(tenant_a.id):
            no_city = Location(client_id=bolek, name="Magazyn")
            elsewhere = Location(client_id=bolek, name="Filia", street="Krótka 1",
                                 postal_code="00-001", city="Warszawa")
            db.session.add_all([no_city, elsewhere])
            db.session.commit()
            no_city_id, elsewhere_id = no_city.id, elsewhere.id
        add_device(tenant_a.id, producer, bolek, 12, -1)
        moved = add_device(tenant_a.id, producer, bolek, 13, 2, no_city_id)
        add_device(tenant_a.id, producer, bolek, 14, 4, elsewhere_id)
    login(tenant_a.owner_email)

    def gdansk():
        return _shown(client.get("/przeglady?city=Gdańsk").get_data(as_text=True))

    assert gdansk() == {"ZBF0000000003", "ZBF0000000005", "ZBF0000000012", "ZBF0000000013"}
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.get(Location, elsewhere_id).city = "Gdańsk"  # the branch's town corrected
        db.session.get(Device, moved).location_id = elsewhere_id
        db.session.commit()
    assert gdansk() == {"ZBF0000000003", "ZBF0000000005", "ZBF0000000012", "ZBF0000000013",
                        "ZBF0000000014"}
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.get(Party, bolek).city = "Sopot"  # the seat moves; the sites stay
        db.session.commit()
    assert gdansk() == {"ZBF0000000003", "ZBF0000000005", "ZBF0000000013", "ZBF0000000014"}
    assert _shown(client.get("/przeglady?city=Sopot").get_data(as_text=True)) == {
        "ZBF0000000012"}
