"""A company's first day in a real browser (issue 14): a stranger signs up, loses the first
e-mail, asks for the link again, gets in with the second, adds its producer from the platform
catalogue typing only its own login and key, passes "Test połączenia" against the real RZS
emulator, follows the first steps, imports its clients and devices from files and creates an
order for an imported device; each step ticks itself off and the list is gone at the end."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker

from app import clock
from app.formatting import date_pl
from app.parties import catalogue
from tests.auth.test_signup_and_reset import mailbox  # noqa: F401 - fixture
from tests.rzs.conftest import start_emulator
from workers import REPORTS, RZS, queue, redis_connection

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "szef@delta.pl", "mocne-haslo-delty-7"
COMPANY_NIP = "9510002008"
PRODUCER = "Posnet Polska S.A."
PRODUCER_NIP = "5272457354"
API_LOGIN, API_KEY = "delta-api", "klucz-delty-1"
CLIENT = "Sklep Pod Lipą"
FACTORY_NO, UNIQUE_NO = "PO808131056", "ZBF1801007588"
OPERATOR = catalogue.Operator(None, "operator@plomba.pl")


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """The producer's RZS: the emulator on loopback, knowing the company by its NIP, login and
    key (what the producer gives a service company that signs its agreement)."""
    emulator = start_emulator(tmp_path_factory.mktemp("rzs-delta"), {"producers": [{
        "code": "posnet", "nip": PRODUCER_NIP, "name": PRODUCER, "prefixes": ["ZBF", "EBF"],
        "service_companies": [{"nip": COMPANY_NIP, "name": "Serwis Delta", "login": API_LOGIN,
                               "key": API_KEY, "seals": ["D-1"]}],
    }]})
    yield emulator
    emulator.stop()


def _link(message) -> str:
    return re.search(r"http://plomba.test(/\S+)", message.get_content()).group(1)


def _step(page, step: str):
    return page.locator(f"#first-steps [data-step={step}]")


def _work(app, name: str) -> None:
    """What the worker does in production: the jobs waiting on one queue, here and now."""
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue(name, connection)], connection=connection).work(burst=True)


def _import(app, page, base: str, kind: str, path) -> None:
    """Upload -> recognised columns -> preview -> import (a job) -> its report."""
    page.goto(base)
    page.click("text=Import z pliku")
    page.wait_for_url(f"{base}/import/")
    page.select_option("#kind", kind)
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Wczytaj plik')")
    page.wait_for_url(f"**/kolumny?kind={kind}")
    page.click("button:has-text('Podgląd')")
    expect(page.locator("main")).to_contain_text("wiersze są poprawne")
    page.click("button:has-text('Importuj')")
    page.wait_for_url("**/import/zadanie/*")
    _work(app, REPORTS)
    expect(page.locator("#import-report")).to_be_visible()  # the progress swapped in the report
    expect(page.locator("#import-job")).to_contain_text("Zaimportowano 2 wiersze")


def test_a_stranger_signs_up_and_gets_from_the_catalogue_and_a_file_to_the_first_order(
        app, live_server, page, mailbox, registry, redis_client, tmp_path,  # noqa: F811
        monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    with app.app_context():  # the operators keep the platform catalogue before anyone signs up
        catalogue.create_entry(catalogue.CatalogueEntry(
            name=PRODUCER, nip=PRODUCER_NIP, street="ul. Osmańska 14", postal_code="02-823",
            city="Warszawa", factory_masks=["@@#########"], unique_prefixes=["ZBF", "EBF"],
            api_url=registry.producer_url("posnet")), OPERATOR)

    # --- sign-up; the first e-mail is lost, the second gets the stranger in -----------------
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
    expect(steps).to_contain_text("Pierwsze kroki 0 z 6")
    expect(steps.locator("li.step-todo")).to_have_count(6)

    # --- the producer from the catalogue: only the company's login and key -----------------
    _step(page, "producer").locator("a").click()
    page.wait_for_url(f"{live_server}/producenci")
    page.click("text=Dodaj z katalogu")
    page.wait_for_url(f"{live_server}/producenci/katalog")
    page.locator("tr", has_text=PRODUCER).locator("a:has-text('Wybierz')").click()
    page.wait_for_url(re.compile(r".*/producenci/katalog/\d+$"))
    page.fill("#api_login", API_LOGIN)
    page.fill("#api_key", API_KEY)
    page.click("button:has-text('Dodaj producenta')")
    page.wait_for_url(re.compile(r".*/producenci/\d+$"))
    expect(page.locator(".flashes")).to_contain_text(f"Dodano producenta „{PRODUCER}” z katalogu")
    # The catalogue's values came along: nothing of them was typed.
    facts = page.locator("dl.facts").filter(has_text="Adres API")
    expect(facts).to_contain_text("ZBF, EBF")
    expect(facts).to_contain_text(registry.producer_url("posnet"))
    expect(page.locator("#last-test")).to_have_text("nie wykonano")
    producer_page = page.url
    page.goto(f"{live_server}/")
    expect(_step(page, "producer")).to_have_class("step-todo")  # added, not yet tested

    page.goto(producer_page)
    page.click("button:has-text('Test połączenia')")
    expect(page.locator("#connection-test")).to_contain_text("Test połączenia w kolejce")
    _work(app, RZS)  # the ping is a job on the registry queue; it asks the emulator
    expect(page.locator("#connection-test")).to_contain_text(
        "Test połączenia z RZS: OK: połączenie udane")
    page.goto(f"{live_server}/")
    expect(_step(page, "producer")).to_have_class("step-done")

    # --- the company's data and a technician, each from its step's link --------------------
    _step(page, "company").locator("a").click()
    page.wait_for_url(f"{live_server}/administracja")
    page.fill("#street", "Floriańska 10")
    page.fill("#postal_code", "31-019")
    page.fill("#phone", "12 345 67 89")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"{live_server}/")
    _step(page, "technician").locator("a").click()
    page.wait_for_url(f"{live_server}/serwisanci/nowy")
    page.fill("#name", "Jan Nowak")
    page.fill("#identifier", "JN01")
    page.fill("#seal_no", "D-1")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(steps).to_contain_text("Pierwsze kroki 3 z 6")

    # --- clients with their sites, then their devices, from files as Polish Excel saves them
    clients = tmp_path / "klienci.csv"
    clients.write_bytes((
        "NIP;Nazwa;Ulica;Kod pocztowy;Miejscowość;Ulica miejsca instalacji;"
        "Kod pocztowy miejsca instalacji;Miejscowość miejsca instalacji\r\n"
        f"701-000-21-39;{CLIENT};Lipowa 3;30-001;Kraków;Lipowa 3;30-001;Kraków\r\n"
        "526-025-02-74;Kiosk Pod Zegarem;Długa 2;31-001;Kraków;Rynek 5;31-002;Kraków\r\n"
    ).encode("cp1250"))
    _import(app, page, live_server, "clients", clients)
    page.goto(f"{live_server}/")
    expect(_step(page, "client")).to_have_class("step-done")
    expect(_step(page, "device")).to_have_class("step-todo")

    today = clock.today()
    devices = tmp_path / "urzadzenia.csv"
    devices.write_bytes((
        "NIP klienta;Producent;Model;Nr fabryczny;Nr unikatowy;Data fiskalizacji;"
        "Data ostatniego przeglądu;Ulica miejsca instalacji;Kod pocztowy miejsca instalacji;"
        "Miejscowość miejsca instalacji\r\n"
        f"7010002139;{PRODUCER};Ergo;{FACTORY_NO};{UNIQUE_NO};"
        f"{date_pl(today - timedelta(days=400))};{date_pl(today - timedelta(days=30))};"
        "Lipowa 3;30-001;Kraków\r\n"
        f"5260250274;{PRODUCER_NIP};Bingo;PO808131057;ZBF1801007589;"
        f"{date_pl(today - timedelta(days=200))};;Rynek 5;31-002;Kraków\r\n"
    ).encode("cp1250"))
    _import(app, page, live_server, "devices", devices)
    expect(page.locator("#import-report")).to_contain_text("Urządzenia dodane")
    page.goto(f"{live_server}/")
    expect(_step(page, "device")).to_have_class("step-done")
    expect(steps).to_contain_text("Pierwsze kroki 5 z 6")

    # --- the first order, for an imported device ---------------------------------------------
    _step(page, "order").locator("a").click()
    # Loaded: htmx listens on the search box only from then on.
    page.wait_for_url(f"{live_server}/zlecenia/nowe")
    page.fill("#client-search", "lip")
    page.wait_for_selector(f"#client_id option:has-text('{CLIENT}')", state="attached")
    page.select_option("#client_id", label=f"{CLIENT} (NIP 701-000-21-39, Kraków)")
    page.wait_for_selector(f"#device_id option:has-text('{UNIQUE_NO}')", state="attached")
    page.fill("#description", "Przegląd okresowy")
    page.click("text=Utwórz zlecenie")
    page.wait_for_url(re.compile(r".*/zlecenia/\d+$"))
    expect(page.locator(".flashes")).to_contain_text("Utworzono zlecenie")
    expect(page.locator("main")).to_contain_text(UNIQUE_NO)

    page.goto(f"{live_server}/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#first-steps")).to_have_count(0)  # every step done: the list is gone
    assert page.console_errors == []
