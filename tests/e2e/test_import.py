"""A real browser imports a file: upload a CSV of clients with sites, check the recognised
columns, see the preview, run the import as a job and read its report when the progress bar
ends; the clients are then in the registry."""

import pytest
from rq import SimpleWorker

from tests.e2e.browser import sign_in
from workers import REPORTS, queue, redis_connection

pytestmark = pytest.mark.e2e

CSV = ("NIP;Nazwa;Ulica;Kod pocztowy;Miejscowość;Ulica miejsca instalacji;"
       "Kod pocztowy miejsca instalacji;Miejscowość miejsca instalacji\r\n"
       "526-025-02-74;Sklep Żabka Łąka;Morska 1;80-001;Gdańsk;Morska 1;80-001;Gdańsk\r\n"
       "7010002139;Kiosk Pod Zegarem;Długa 2;81-001;Sopot;;;\r\n")


def test_upload_map_preview_import_report(app, live_server, page, tenant_a, tmp_path,
                                          redis_client, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    path = tmp_path / "klienci.csv"
    path.write_bytes(CSV.encode("cp1250"))
    sign_in(page, live_server, tenant_a.owner_email)

    page.click("text=Import z pliku")
    page.wait_for_url(f"{live_server}/import/")
    page.select_option("#kind", "clients")
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Wczytaj plik')")
    page.wait_for_url("**/kolumny?kind=clients")
    # The Polish headers are recognised: nothing to choose by hand.
    assert page.input_value("#m_nip") == "0"
    assert page.input_value("#m_site_city") == "7"
    page.click("button:has-text('Podgląd')")
    page.wait_for_selector("#preview")
    assert "Sklep Żabka Łąka" in page.inner_text("#preview")
    assert "wiersze są poprawne" in page.inner_text("main")

    page.click("button:has-text('Importuj')")
    page.wait_for_url("**/import/zadanie/*")
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue(REPORTS, connection)], connection=connection).work(burst=True)
    page.wait_for_selector("#import-report")  # the progress partial swapped in the report
    report = page.inner_text("#import-job")
    assert "Zaimportowano 2 wiersze" in report
    assert "Klienci dodani\n2" in report or "Klienci dodani 2" in report.replace("\t", " ")

    page.goto(f"{live_server}/klienci")
    assert "Kiosk Pod Zegarem" in page.inner_text("main")
    assert page.console_errors == []
