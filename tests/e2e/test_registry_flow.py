"""A client, its site and a device, in a real browser: the inline checks say no, then yes."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


def test_add_client_site_and_device_with_inline_validation(app, live_server, page, tenant_a):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")  # producer "Producent Alfa": PO#########, ZBF
    sign_in(page, live_server, tenant_a.owner_email)

    page.goto(f"{live_server}/klienci/nowy")
    page.fill("#name", "Kwiaciarnia Róża s.c.")
    page.locator("#nip").press_sequentially("526-025-02-75")
    expect(page.locator("#nip-error")).to_have_text("Nieprawidłowy NIP: błędna suma kontrolna.")
    page.fill("#nip", "")
    page.locator("#nip").press_sequentially("526-025-02-74")
    expect(page.locator("#nip-error")).to_have_text("")
    page.fill("#street", "Kwiatowa 3")
    page.fill("#postal_code", "90-001")
    page.fill("#city", "Łódź")
    page.get_by_role("button", name="Zapisz").click()

    page.wait_for_url(re.compile(r"/klienci/\d+/lokalizacje/nowa$"))
    expect(page.locator("#street")).to_have_value("Kwiatowa 3")  # the client's address first
    page.fill("#name", "Sklep przy rynku")
    page.get_by_role("button", name="Zapisz").click()
    page.wait_for_url(re.compile(r"/klienci/\d+$"))
    expect(page.locator("main")).to_contain_text("Sklep przy rynku")

    page.click("text=Dodaj urządzenie")
    page.wait_for_url(re.compile(r"/urzadzenia/nowe\?client_id=\d+"))
    expect(page.locator("#client_id option:checked")).to_contain_text("Kwiaciarnia Róża")
    page.select_option("#producer_id", label="Producent Alfa")
    page.locator("#unique_no").press_sequentially("EBF1234567890")
    expect(page.locator("#unique_no-error")).to_contain_text("Prefiks EBF nie należy do producenta")
    page.fill("#unique_no", "")
    page.locator("#unique_no").press_sequentially("ZBF1234567890")
    expect(page.locator("#unique_no-error")).to_have_text("")
    page.locator("#factory_no").press_sequentially("PO123456789")
    expect(page.locator("#factory_no-error")).to_have_text("")
    page.get_by_role("button", name="Zapisz").click()
    page.wait_for_url(re.compile(r"/urzadzenia/\d+$"))
    expect(page.locator("main")).to_contain_text("ZBF1234567890")
    expect(page.locator("main")).to_contain_text("Kwiaciarnia Róża")
    assert page.console_errors == []
