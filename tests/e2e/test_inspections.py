"""Przeglądy in a browser: the overdue filter, devices selected, their orders created in one
action, one of them closed the normal way, and the device leaves the overdue list."""

import re

import pytest
from playwright.sync_api import expect

from app import clock
from tests import factories
from tests.e2e.browser import sign_in
from tests.inspections.conftest import add_client, add_device

pytestmark = pytest.mark.e2e


def test_overdue_to_orders_to_closed(app, live_server, page, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        anna, site = add_client(tenant_a.id, "Anna Kowalska", "anna@klient.pl")
        add_device(tenant_a.id, ids["producer_id"], anna, 1, -5, site)
        add_device(tenant_a.id, ids["producer_id"], anna, 2, -9, site)
        add_device(tenant_a.id, ids["producer_id"], anna, 3, 20, site)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, tenant_a.owner_email)

    page.click("text=Przeglądy po terminie")
    page.wait_for_url(re.compile(r".*/przeglady\?window=overdue$"))
    rows = page.locator("[data-testid=inspections] tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#results")).not_to_contain_text("ZBF0000000003")
    page.check("input[aria-label='Zaznacz ZBF0000000001']")
    page.check("input[aria-label='Zaznacz ZBF0000000002']")
    page.select_option("#technician_id", str(ids["technician_id"]))
    page.click("text=Utwórz zlecenia")
    year = clock.today().year
    expect(page.locator("#flashes")).to_contain_text("Utworzono zlecenia przeglądu: 2")
    expect(page.locator("#results")).to_contain_text(f"ZL/{year}/000002")

    page.click(f"#results >> text=ZL/{year}/000003")
    page.wait_for_url(re.compile(r".*/zlecenia/\d+$"))
    page.click("text=Rozpocznij zlecenie")
    page.wait_for_selector("#order-status:has-text('Rozpoczęte')")
    page.click("text=Zamknij zlecenie")
    page.wait_for_selector("#order-status:has-text('Zamknięte')")

    page.goto(f"{live_server}/przeglady?window=overdue")
    expect(rows).to_have_count(1)
    expect(page.locator("#results")).not_to_contain_text("ZBF0000000002")
    expect(page.locator("#results")).to_contain_text("ZBF0000000001")
    # On a phone the list is cards: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.console_errors == []
