"""In a real browser: close an order of an online producer and read the registry's +PU."""

from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock
from app.extensions import db
from app.models import Order
from app.orders import workflow
from app.orders.workflow import Actor
from tests.e2e.browser import sign_in
from tests.rzs.conftest import start_worker

pytestmark = pytest.mark.e2e


def test_close_online_order_and_read_plus_pu(rzs, app, live_server, page):
    actor = Actor(None, "owner")
    with rzs.ctx():
        order = db.session.get(Order, rzs.ids["order_id"])
        order.status = "new"
        workflow.start(actor, order)
        for item in list(order.items):
            workflow.remove_item(actor, order, item)
        workflow.add_item(actor, order, service_id=rzs.ids["service_id"], quantity=Decimal(1),
                          price=None, vat_rate=None, performed_on=clock.today() - timedelta(1))
        workflow.commit()
        number = order.number
    worker = start_worker(app, "rzs")
    try:
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, live_server, rzs.tenant.owner_email)
        page.goto(f"{live_server}/zlecenia/{rzs.ids['order_id']}")
        page.click("text=Zamknij zlecenie")
        page.wait_for_selector(f"text=Zamknięto zlecenie {number}.")
        reply = page.locator("#rzs-reply")
        reply.locator("text=+Kasa +Podatnik +Lokalizacja +PU").wait_for(timeout=15000)
        assert "dodano przegląd ustawowy do ewidencji" in reply.inner_text()
        assert "Dostarczone" in reply.inner_text()
        assert page.console_errors == []
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def test_correct_the_device_then_resend(rzs, app, live_server, page):
    """Issue 13, item 4: "Popraw dane" leads to the field to correct; a resend of the unchanged
    data is refused with that link; after the correction the resend is delivered."""
    foreign = rzs.device("BCD0000000001", "PO000000001")  # a prefix that is not Posnet's
    order_id = rzs.closed_order(foreign)
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["tokens"] == "Błąd: Nieznany prefix"
    sign_in(page, live_server, rzs.tenant.owner_email)
    page.goto(f"{live_server}/zlecenia/{order_id}")
    reply = page.locator("#rzs-reply")
    assert "Popraw dane urządzenia" in reply.inner_text()
    # Unchanged: refused, and taken to the device's unique number.
    reply.locator("button:has-text('Wyślij ponownie')").click()
    page.wait_for_url(f"**/urzadzenia/{foreign}/edycja#unique_no")
    assert "Dane zdarzenia się nie zmieniły" in page.content()
    assert rzs.rows(order_id)[0]["status"] == "rejected"
    page.fill("#unique_no", "ZBF0000000077")
    page.click("button[type=submit]:has-text('Zapisz')")
    page.wait_for_selector("text=Zapisano zmiany.")
    page.goto(f"{live_server}/zlecenia/{order_id}")
    page.locator("#rzs-reply button:has-text('Wyślij ponownie')").click()
    page.wait_for_selector("text=wysłane ponownie z aktualnymi danymi")
    rzs.work()
    page.goto(f"{live_server}/zlecenia/{order_id}")
    page.locator("#rzs-reply strong", has_text="+PU").wait_for(timeout=15000)
    assert "Dostarczone" in page.locator("#rzs-reply").inner_text()
    assert page.console_errors == []
