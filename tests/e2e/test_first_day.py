"""A company's first day in a real browser (issue 14): a stranger signs up, loses the first
e-mail, asks for the link again, gets in with the second, sees the first steps and creates a
client, a device and an order; the steps tick themselves off on the way."""

import re

import pytest
from playwright.sync_api import expect

from tests.auth.test_signup_and_reset import mailbox  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "szef@delta.pl", "mocne-haslo-delty-7"


def _link(message) -> str:
    return re.search(r"http://plomba.test(/\S+)", message.get_content()).group(1)


def _done(page, step: str) -> bool:
    return "step-done" in (page.get_attribute(f"[data-step={step}]", "class") or "")


def test_a_stranger_signs_up_gets_in_with_the_second_link_and_takes_the_first_steps(
        app, live_server, page, mailbox):  # noqa: F811
    page.goto(f"{live_server}/rejestracja")
    page.fill("#name", "Serwis Delta")
    page.fill("#nip", "951-000-20-08")
    page.fill("#city", "Kraków")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#repeat", PASSWORD)
    page.get_by_role("button", name="Załóż konto").click()
    expect(page.locator("#accept_terms-error")).to_contain_text("zaakceptuj Regulamin")
    page.fill("#password", PASSWORD)
    page.fill("#repeat", PASSWORD)
    page.check("#accept_terms")
    page.get_by_role("button", name="Załóż konto").click()
    expect(page.locator("h1")).to_have_text("Sprawdź pocztę")
    [lost] = mailbox()  # never opened

    page.get_by_role("button", name="Wyślij link ponownie").click()
    expect(page.locator(".flashes")).to_contain_text("wysłaliśmy na nie nowy link")
    first, second = mailbox()
    assert first is lost and second["To"] == EMAIL
    page.goto(f"{live_server}{_link(second)}")
    expect(page.locator(".flashes")).to_contain_text("Potwierdzono adres e-mail.")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Zaloguj").click()
    page.wait_for_url(f"{live_server}/")

    steps = page.locator("#first-steps")
    expect(steps).to_contain_text("Pierwsze kroki")
    expect(steps.locator("li")).to_have_count(6)
    assert not any(_done(page, s) for s in ("client", "device", "order"))

    # A producer (the device needs one), then the client from its step's link.
    page.goto(f"{live_server}/producenci/nowy")
    page.fill("#name", "Posnet Polska S.A.")
    page.fill("#nip", "5272457354")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator(".flash-success")).to_contain_text("Dodano producenta")

    page.goto(f"{live_server}/")
    page.click("[data-step=client] a")
    page.fill("#name", "Sklep Pod Lipą")
    page.fill("#nip", "7010002139")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator(".flash-success")).to_contain_text("Dodano klienta")
    page.fill("#street", "Lipowa 3")
    page.fill("#postal_code", "30-001")
    page.fill("#city", "Kraków")
    page.get_by_role("button", name="Zapisz").click()
    page.goto(f"{live_server}/")
    assert _done(page, "client") and not _done(page, "device")

    page.click("[data-step=device] a")
    page.select_option("#producer_id", label="Posnet Polska S.A.")
    page.fill("#factory_no", "PO808131056")
    page.fill("#unique_no", "ZBF1801007588")
    page.fill("#client-search", "lip")
    page.wait_for_selector("#client_id option:has-text('Sklep Pod Lipą')", state="attached")
    page.select_option("#client_id", label="Sklep Pod Lipą (NIP 701-000-21-39)")
    expect(page.locator("#location_id option:checked")).to_contain_text("Lipowa 3")
    page.fill("#model", "Ergo")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator(".flash-success")).to_have_text("Dodano urządzenie ZBF1801007588.")

    page.goto(f"{live_server}/")
    assert _done(page, "device") and not _done(page, "order")
    page.click("[data-step=order] a")
    page.fill("#client-search", "lip")
    page.wait_for_selector("#client_id option:has-text('Sklep Pod Lipą')", state="attached")
    page.select_option("#client_id", label="Sklep Pod Lipą (NIP 701-000-21-39)")
    page.wait_for_selector("#device_id option:has-text('ZBF1801007588')", state="attached")
    page.fill("#description", "Przegląd okresowy")
    page.click("text=Utwórz zlecenie")
    page.wait_for_url(re.compile(r".*/zlecenia/\d+$"))
    expect(page.locator(".flashes")).to_contain_text("Utworzono zlecenie")

    page.goto(f"{live_server}/")
    assert all(_done(page, s) for s in ("client", "device", "order"))
    assert not _done(page, "producer")  # no successful "Test połączenia" yet
    assert page.console_errors == []
