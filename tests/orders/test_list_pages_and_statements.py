"""The orders list picks its page of orders first and joins the names to that page only; the
order page and a close send few statements (issue 17: round trips cost more than the SQL)."""

import re

import pytest
from sqlalchemy import delete, event, select

from app import clock, tenancy
from app.extensions import db
from app.models import Authorisation, Order, OrderStatus
from tests import factories

YEAR = clock.today().year


@pytest.fixture
def alfa(app, tenant_a, login):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    return tenant_a


def _add_orders(app, tenant, count: int) -> None:
    """`count` more orders of the seeded client and device, every third with no technician
    (the list's outer join), numbered after the seeded one."""
    with app.app_context(), tenancy.use_tenant(tenant.id):
        first = db.session.scalar(select(Order))
        for seq in range(2, count + 2):
            db.session.add(Order(
                number=f"ZL/{YEAR}/{seq:06d}", year=YEAR, seq=seq, client_id=first.client_id,
                device_id=first.device_id, description="",
                technician_id=None if seq % 3 == 0 else first.technician_id))
        db.session.commit()


def _statements(app, send) -> list[str]:
    """The SQL statements `send()` makes the application send (without PostgreSQL's
    row-level-security settings, which app/tenancy.py sends per transaction)."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in sent if "set_config('plomba." not in s]


def test_the_list_pages_newest_first_with_names(app, client, alfa):
    _add_orders(app, alfa, 54)  # 55 orders: a page of 50, then 5
    first = client.get("/zlecenia").get_data(as_text=True)
    numbers = re.findall(r">(ZL/\d{4}/\d{6})</a>", first)
    assert numbers == [f"ZL/{YEAR}/{seq:06d}" for seq in range(55, 5, -1)]
    assert first.count("Klient Alfa") >= 50 and "ZBF1801007587" in first
    assert "Jan Alfa" in first and "—" in first  # with and without a technician
    cursor = re.search(r'href="/zlecenia\?after=([^"]+)"', first).group(1)
    rest = client.get(f"/zlecenia?after={cursor}").get_data(as_text=True)
    assert re.findall(r">(ZL/\d{4}/\d{6})</a>", rest) == [
        f"ZL/{YEAR}/{seq:06d}" for seq in range(5, 0, -1)]
    assert 'rel="next"' not in rest


def test_a_settled_order_page_reads_no_authorisations(app, client, alfa):
    order_id = alfa.ids["order_id"]
    with app.app_context(), tenancy.use_tenant(alfa.id):
        db.session.get(Order, order_id).status = OrderStatus.SETTLED.value
        db.session.commit()
    sent = _statements(app, lambda: client.get(f"/zlecenia/{order_id}"))
    tables = [re.search(r"\bFROM (\w+)", s).group(1) for s in sent]
    # The session, the order with its many-to-ones, its items, the client's locations, the
    # technicians to pick from, the order's RZS rows: no authorisation.
    assert sorted(tables) == sorted(["user_session", "service_order", "order_item", "location",
                                     "technician", "transmission"]), sent


def test_a_started_order_page_warns_from_the_authorisations(app, client, alfa):
    order_id = alfa.ids["order_id"]
    with app.app_context(), tenancy.use_tenant(alfa.id):
        db.session.get(Order, order_id).status = OrderStatus.STARTED.value
        db.session.execute(delete(Authorisation))
        db.session.commit()
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "nie ma uprawnień do urządzeń Producent Alfa" in page


def test_a_close_does_not_load_the_order_again_after_its_commit(app, client, alfa):
    order_id = alfa.ids["order_id"]
    client.post(f"/zlecenia/{order_id}/rozpocznij")
    sent = _statements(app, lambda: client.post(f"/zlecenia/{order_id}/zamknij"))
    loads = [s for s in sent if re.match(r"\s*SELECT service_order\.id", s)]
    assert len(loads) == 1, sent  # the order is read once, before the change
    closed = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert f"Zamknięto zlecenie ZL/{YEAR}/000001." in closed
