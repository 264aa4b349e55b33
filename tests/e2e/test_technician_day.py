"""A technician on his phone: his orders first, a new order that is his own (not a 404 under
"Utworzono zlecenie"), and an account not linked to a technician record told whom to ask."""

import re

import pytest
from playwright.sync_api import expect

from app import clock
from app.models import Role
from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}



def test_a_technicians_new_order_is_his_own(app, live_server, browser, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        user_id = factories.make_user(tenant_a, "jan@alfa.example", Role.TECHNICIAN)
        factories.link_technician(tenant_a, ids["technician_id"], user_id)
    context = browser.new_context(locale="pl-PL", viewport=PHONE, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "jan@alfa.example")

    year = clock.today().year
    # His day first: his open order on the dashboard, with "Nowe zlecenie" at hand.
    day = page.locator("#my-day")
    expect(day).to_contain_text(f"ZL/{year}/000001")
    expect(page.locator("#unlinked-notice")).to_have_count(0)
    expect(page.locator(".tile", has_text="Uprawnienia")).to_have_count(0)
    day.locator("text=Nowe zlecenie").click()
    page.wait_for_url(f"{live_server}/zlecenia/nowe")

    # The technician is he, and nobody else is on offer.
    expect(page.locator("#technician_id")).to_have_value(str(ids["technician_id"]))
    expect(page.locator("#technician_id option")).to_have_count(1)
    page.fill("#client-search", "alfa")
    page.wait_for_selector(f"#client_id option[value='{ids['client_id']}']", state="attached")
    page.wait_for_selector(f"#device_id option[value='{ids['device_id']}']", state="attached")
    page.click("text=Utwórz zlecenie")
    page.wait_for_url(re.compile(r".*/zlecenia/\d+$"))
    expect(page.locator("#flashes")).to_contain_text(f"Utworzono zlecenie ZL/{year}/000002.")
    expect(page.locator("#order-status")).to_have_text("Nowe")
    expect(page.locator(".order-summary")).to_contain_text("Jan Alfa")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # His list has no filter by technician: he sees his own orders only.
    page.goto(f"{live_server}/zlecenia")
    expect(page.locator("select[name=technician_id]")).to_have_count(0)
    expect(page.locator("#results")).to_contain_text(f"ZL/{year}/000002")
    assert errors == []
    context.close()


def test_an_unlinked_technician_is_told_whom_to_ask(app, live_server, browser, tenant_a):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        factories.make_user(tenant_a, "nowy@alfa.example", Role.TECHNICIAN)
    context = browser.new_context(locale="pl-PL", viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "nowy@alfa.example")
    notice = page.locator("#unlinked-notice")
    expect(notice).to_contain_text("nie jest jeszcze powiązane z kartą serwisanta")
    expect(notice).to_contain_text("nowy@alfa.example")
    expect(page.locator("[data-testid=open-orders]")).to_have_text("0")
    page.goto(f"{live_server}/zlecenia")
    expect(page.locator("#unlinked-notice")).to_have_count(1)
    page.goto(f"{live_server}/zlecenia/nowe")
    expect(page.locator("#unlinked-notice")).to_have_count(1)
    context.close()
