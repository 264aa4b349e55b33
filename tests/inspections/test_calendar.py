"""A technician's iCalendar feed: a secret URL, his open orders on their planned days,
revocable."""

from datetime import timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Order, Role, Technician
from tests import factories


def _plan(app, tenant_id: int, order_id: int, day) -> None:
    with app.app_context(), tenancy.use_tenant(tenant_id):
        db.session.get(Order, order_id).planned_on = day
        db.session.commit()


def test_the_feed_shows_his_planned_orders_until_revoked(app, client, login, due, tenant_a):
    ids = due["ids"]
    tomorrow = clock.today() + timedelta(days=1)
    _plan(app, tenant_a.id, ids["order_id"], tomorrow)
    login(tenant_a.owner_email)
    assert client.post(f"/przeglady/kalendarze/{ids['technician_id']}").status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        token = db.session.get(Technician, ids["technician_id"]).calendar_token
    assert token and f"/przeglady/kalendarz/{token}.ics" in client.get(
        "/przeglady/kalendarze").get_data(as_text=True)
    client.post("/logout")
    feed = client.get(f"/przeglady/kalendarz/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert f"DTSTART;VALUE=DATE:{tomorrow:%Y%m%d}\r\n" in text
    assert f"SUMMARY:ZL/{clock.today().year}/000001: Klient Alfa" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    # A new address: the old one is gone; revoking: no address at all.
    login(tenant_a.owner_email)
    client.post(f"/przeglady/kalendarze/{ids['technician_id']}")
    assert client.get(f"/przeglady/kalendarz/{token}.ics").status_code == 404
    client.post(f"/przeglady/kalendarze/{ids['technician_id']}", data={"revoke": "1"})
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.get(Technician, ids["technician_id"]).calendar_token is None


def test_a_closed_order_leaves_the_feed_and_another_company_is_404(app, client, login, due,
                                                                    tenant_a, tenant_b):
    ids = due["ids"]
    _plan(app, tenant_a.id, ids["order_id"], clock.today())
    login(tenant_a.owner_email)
    client.post(f"/przeglady/kalendarze/{ids['technician_id']}")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        token = db.session.get(Technician, ids["technician_id"]).calendar_token
        db.session.scalar(select(Order)).status = "closed"
        db.session.commit()
    assert "BEGIN:VEVENT" not in client.get(f"/przeglady/kalendarz/{token}.ics").get_data(
        as_text=True)
    assert client.post(f"/przeglady/kalendarze/{due['beta']['technician_id']}").status_code \
        == 404


def test_a_technician_sees_his_own_address_and_cannot_issue_one(app, client, login, due,
                                                                 tenant_a):
    ids = due["ids"]
    with app.app_context():
        user_id = factories.make_user(tenant_a, "jan@alfa.pl", Role.TECHNICIAN)
        factories.link_technician(tenant_a, ids["technician_id"], user_id)
    login("jan@alfa.pl")
    page = client.get("/przeglady/kalendarze").get_data(as_text=True)
    assert "Jan Alfa" in page and ">Utwórz adres<" not in page
    assert client.post(f"/przeglady/kalendarze/{ids['technician_id']}").status_code == 403
