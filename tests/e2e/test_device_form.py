"""The device form in a real browser: the factory number is checked while typing, against the
masks of the producer chosen, and the device is saved."""

import re

import pytest
from playwright.sync_api import expect

from app import tenancy
from app.extensions import db
from app.models import Location, Party
from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e


def test_factory_number_is_checked_while_typing_and_the_device_saved(app, live_server, page,
                                                                     tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")  # producer with mask PO#########, prefix ZBF
        with tenancy.use_tenant(tenant_a.id):
            other = Party(name="Drugi Klient", name_key="drugi klient", nip="5260250274")
            db.session.add(other)
            db.session.flush()
            db.session.add(Location(client_id=other.id, name="Kiosk", street="Długa 5"))
            db.session.commit()
    sign_in(page, live_server, tenant_a.owner_email)

    page.goto(f"{live_server}/urzadzenia/nowe?client_id={ids['client_id']}")
    expect(page.locator("h1")).to_have_text("Nowe urządzenie")
    expect(page.locator("#client_id option:checked")).to_contain_text("Klient Alfa")
    expect(page.locator("#location_id option:checked")).to_contain_text("Sklep Alfa")

    # Typed before the producer is chosen: no masks yet, so nothing to say.
    page.fill("#factory_no", "XX12345")
    page.locator("#factory_no").blur()
    page.wait_for_timeout(500)
    expect(page.locator("#factory_no-error")).to_have_text("")
    # Choosing the producer asks again: now the number has to fit its mask.
    page.select_option("#producer_id", label="Producent Alfa")
    error = page.locator("#factory_no-error")
    expect(error).to_have_text("Nr fabryczny nie pasuje do masek producenta: PO#########.")
    assert page.url.endswith(f"/urzadzenia/nowe?client_id={ids['client_id']}")  # not sent

    page.fill("#factory_no", "")
    page.locator("#factory_no").press_sequentially("po80813105")
    expect(error).to_contain_text("nie pasuje do masek")
    page.locator("#factory_no").press_sequentially("6")
    expect(error).to_have_text("")

    page.fill("#unique_no", "zbf1801007587")  # the populated device has it
    expect(page.locator("#unique_no-error")).to_contain_text(
        "Urządzenie o nr unikatowym ZBF1801007587 już istnieje.")
    page.fill("#unique_no", "zbf 1801007588")
    expect(page.locator("#unique_no-error")).to_have_text("")

    # The taxpayer is searched for; the sites follow the client chosen.
    page.fill("#client-search", "drugi")
    expect(page.locator("#client_id option")).to_have_count(2)  # the chosen one stays
    expect(page.locator("#client_id option:checked")).to_contain_text("Klient Alfa")
    page.select_option("#client_id", label="Drugi Klient (NIP 526-025-02-74)")
    expect(page.locator("#location_id option:checked")).to_contain_text("Kiosk: Długa 5")

    page.fill("#model", "Ergo Nowa")
    page.fill("#registration_no", "2018/000003892")
    page.select_option("#status", label="Zafiskalizowane")
    page.fill("#fiscalized_on", "2024-01-15")
    page.fill("#last_inspection_on", "2024-01-31")
    page.get_by_role("button", name="Zapisz").click()

    page.wait_for_url(re.compile(r"/urzadzenia/\d+$"))
    expect(page.locator(".flash-success")).to_have_text("Dodano urządzenie ZBF1801007588.")
    facts = page.locator("main")
    for text in ("PO808131056", "ZBF1801007588", "Producent Alfa", "Drugi Klient", "Kiosk",
                 "Zafiskalizowane", "31.01.2026"):
        expect(facts).to_contain_text(text)
    assert page.console_errors == []
