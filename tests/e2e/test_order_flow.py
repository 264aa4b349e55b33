"""A whole order in a real browser: new -> started -> items -> closed."""

import re

import pytest

from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e



def test_order_from_new_to_closed(app, live_server, page, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, tenant_a.owner_email)

    page.goto(f"{live_server}/zlecenia/nowe")
    page.fill("#client-search", "alfa")
    page.wait_for_selector(f"#client_id option[value='{ids['client_id']}']", state="attached")
    page.wait_for_selector(f"#device_id option[value='{ids['device_id']}']", state="attached")
    page.select_option("#technician_id", str(ids["technician_id"]))
    page.fill("#description", "Przegląd okresowy")
    page.click("text=Utwórz zlecenie")
    page.wait_for_url(re.compile(r".*/zlecenia/\d+$"))
    assert "Utworzono zlecenie ZL/2026/000002." in page.inner_text(".flashes")
    assert page.inner_text("#order-status") == "Nowe"

    page.click("text=Rozpocznij zlecenie")
    page.wait_for_selector("#order-status:has-text('Rozpoczęte')")

    page.click("[data-tab=items]")
    page.wait_for_selector("[data-active-tab=items]")
    assert page.url.endswith("/pozycje")  # the tab is in the address bar
    page.select_option("#service_id", str(ids["service_id"]))
    page.fill("#performed_on", "2026-11-20")
    page.click("text=Dodaj pozycję >> nth=-1")
    page.wait_for_selector("text=Dodano pozycję „Przegląd Alfa”.")
    assert page.is_checked("#service_book")

    page.click("[data-tab=book]")
    page.wait_for_selector("[data-active-tab=book]")
    page.fill("#fault", "Przegląd okresowy, bez usterek")
    page.click("text=Zapisz książkę")
    page.wait_for_selector("text=Zapisano książkę serwisową.")

    page.click("text=Zamknij zlecenie")
    page.wait_for_selector("#order-status:has-text('Zamknięte')")
    assert "Zamknięto zlecenie ZL/2026/000002." in page.inner_text(".flashes")
    page.click("[data-tab=shipping]")
    page.wait_for_selector("[data-active-tab=shipping]")
    assert "PU" in page.inner_text("#tab")
    assert page.console_errors == []
