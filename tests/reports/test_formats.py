"""Content of every format, read back with the tools a user's software would use."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from app.extensions import db
from app.models import OrderItem
from app.reports.export import render
from app.reports.params import ReportParams
from app.reports.tabular import csv_safe
from tests.reports.conftest import FROM, TO


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_csv_bom_semicolon_crlf_and_polish_dates(report_data, in_tenant_a):
    name, mimetype, data = render(ReportParams("services", FROM, TO), "csv")
    assert name == "raport-uslugi-20260301-20260331.csv"
    assert mimetype.startswith("text/csv")
    rows = _csv_rows(data)
    assert rows[0] == ["Nr fabryczny", "Nr unikatowy", "Data wykonania",
                       "Nazwa usługi wpisanej do książki serwisowej"]
    assert rows[1:] == [
        ["EL0000000001", "ELZ0000000001", "10.03.2026", "Fiskalizacja"],
        ["PO0000000001", "ZBF0000000001", "15.03.2026", "Naprawa głowicy"],
        ["PO0000000002", "ZBF0000000002", "01.03.2026", "Przegląd okresowy – wpis"],
        ["PO0000000002", "ZBF0000000002", "31.03.2026", "Wymiana plomby"],
    ]


def test_csv_divided_by_producer(report_data, in_tenant_a):
    _, _, data = render(ReportParams("devices", FROM, TO, None, True), "csv")
    rows = _csv_rows(data)
    flat = [";".join(r) for r in rows]
    assert "Firma serwisowa;Serwis Alfa, NIP 123-456-32-18" in flat
    assert "Zakres dat;01.03.2026 – 31.03.2026" in flat
    assert "Producent;wszyscy" in flat
    sections = [r[0] for r in rows if r and r[0].startswith("Producent: ")]
    assert sections == ["Producent: Elzab – 1 poz.", "Producent: Posnet Polska – 2 poz."]
    i = flat.index("Producent: Posnet Polska – 2 poz.")
    # For producers' systems: the NIP as its 10 digits.
    assert rows[i + 1][:3] == ["PO0000000001", "ZBF0000000001", "5260250274"]


def test_xlsx_typed_cells_and_frozen_header(report_data, in_tenant_a, tmp_path):
    name, _, data = render(ReportParams("services", FROM, TO), "xlsx")
    path = tmp_path / name
    path.write_bytes(data)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Nr fabryczny", "Nr unikatowy", "Data wykonania",
                                           "Nazwa usługi wpisanej do książki serwisowej"]
    date_cell = sheet["C2"]
    assert date_cell.value == datetime(2026, 3, 10)
    assert date_cell.is_date and date_cell.number_format == "dd.mm.yyyy"
    assert sheet["D4"].value == "Przegląd okresowy – wpis"
    assert sheet.max_row == 5


def test_xlsx_nip_as_text_and_sections(report_data, in_tenant_a, tmp_path):
    _, _, data = render(ReportParams("devices", FROM, TO, None, True), "xlsx")
    (tmp_path / "r.xlsx").write_bytes(data)
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header_row = next(i for i, r in enumerate(values, 1) if r[0] == "Nr fabryczny")
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert values[header_row][0] == "Producent: Elzab – 1 poz."
    nip_cell = sheet.cell(row=header_row + 2, column=3)
    assert nip_cell.value == "7010002139" and nip_cell.data_type == "s"  # 10 digits, text
    assert sheet.cell(row=header_row + 2, column=2).data_type == "s"
    assert ["Producent", "wszyscy", None, None, None] in values


def test_pdf_polish_text_rows_and_page_number(report_data, in_tenant_a, tmp_path):
    name, mimetype, data = render(ReportParams("services", FROM, TO, None, True), "pdf")
    assert mimetype == "application/pdf" and data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Strona 1" in text and "Strona 2" not in text
    assert "Usługi ze zleceń" in text
    assert "Serwis Alfa" in text and "123-456-32-18" in text
    assert "Przegląd okresowy – wpis" in text and "Naprawa głowicy" in text
    assert "ZBF0000000002" in text and "31.03.2026" in text
    assert "Producent: Posnet Polska – 3 poz." in text
    fonts = {str(f) for page in reader.pages
             for f in page["/Resources"]["/Font"].get_object().values()}
    assert fonts  # embedded fonts: DejaVu, not Helvetica
    base = {page["/Resources"]["/Font"].get_object()[k].get_object()["/BaseFont"]
            for page in reader.pages for k in page["/Resources"]["/Font"].get_object()}
    assert any("DejaVu" in str(b) for b in base), base


def test_pdf_header_on_every_page(report_data, in_tenant_a, monkeypatch):
    from app.reports import queries

    params = ReportParams("services", FROM, TO)
    rows = list(queries.rows(params)) * 60
    monkeypatch.setattr(queries, "rows", lambda *_a, **_k: iter(rows))
    _, _, data = render(params, "pdf")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 2
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"Strona {n}" in text
        assert "Serwis Alfa" in text and "Nr fabryczny" in text


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tTab", "\rCR"]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_cells_that_would_start_a_formula_are_text(text):
    assert csv_safe(text) == "'" + text
    assert csv_safe("Fiskalizacja") == "Fiskalizacja"


def test_formula_in_a_name_reaches_neither_the_csv_nor_the_xlsx_as_a_formula(
        report_data, in_tenant_a, tmp_path):
    db.session.execute(update(OrderItem).where(OrderItem.name == "Fiskalizacja")
                       .values(name=FORMULAS[0]))
    db.session.commit()
    _, _, data = render(ReportParams("services", FROM, TO), "csv")
    cells = [cell for row in _csv_rows(data) for cell in row]
    assert "'" + FORMULAS[0] in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    _, _, xlsx = render(ReportParams("services", FROM, TO), "xlsx")
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx)
    sheet = openpyxl.load_workbook(path).active
    values = [c for row in sheet.iter_rows() for c in row]
    assert any(c.value == FORMULAS[0] for c in values)
    assert not any(c.data_type == "f" for c in values)  # written as text, never a formula
