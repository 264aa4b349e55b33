"""A real browser: Podgląd swaps the preview in, then Eksport do pliku downloads an XLSX that
openpyxl opens with typed date cells."""

from datetime import datetime

import openpyxl
import pytest

from tests.e2e.browser import sign_in
from tests.reports.conftest import FROM, TO, build_tenant_a

pytestmark = pytest.mark.e2e


def test_preview_then_download_xlsx(app, live_server, page, tenant_a, tmp_path):
    with app.app_context():
        build_tenant_a(tenant_a.id)
    sign_in(page, live_server, tenant_a.owner_email)

    page.click("text=Raport ze zleceń")
    page.wait_for_url(f"{live_server}/raporty/")
    page.fill("#date_from", FROM.isoformat())
    page.fill("#date_to", TO.isoformat())
    page.check("#by_producer")
    page.click("button:has-text('Podgląd')")
    page.wait_for_selector("text=Producent: Posnet Polska – 3 poz.")
    assert "Pozycji: 4" in page.inner_text(".report-preview")

    page.select_option("#fmt", "xlsx")
    with page.expect_download() as download_info:
        page.click("button:has-text('Eksport do pliku')")
    download = download_info.value
    assert download.suggested_filename == "raport-uslugi-20260301-20260331.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert ("PO0000000001", "ZBF0000000001", datetime(2026, 3, 15), "Naprawa głowicy") in rows
    assert page.console_errors == []
