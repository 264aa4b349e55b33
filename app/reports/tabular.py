"""CSV and XLSX: the same rows, one writes text for Polish Excel, the other typed cells."""

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date
from typing import BinaryIO

import xlsxwriter

from app.formatting import date_pl
from app.reports.queries import COLUMNS, DATE_COLUMNS, SERVICE_COLUMN, ReportHeader, ReportRow

PROGRESS_EVERY = 1000
Progress = Callable[[int], None] | None


def header_lines(head: ReportHeader) -> list[tuple[str, str]]:
    return [
        ("Raport", head.title),
        ("Firma serwisowa", f"{head.tenant_name}, NIP {head.tenant_nip}"),
        ("Zakres dat", f"{date_pl(head.date_from)} – {date_pl(head.date_to)}"),
        ("Producent", head.producer),
        ("Data utworzenia", date_pl(head.created_at)),
    ]


def _sections(rows: Iterable[ReportRow], by_producer: bool, progress: Progress):
    """("section", name, count) before each producer's rows when divided, then ("row", cells)."""
    done = 0
    current = object()
    for row in rows:
        if by_producer and row.producer_id != current:
            current = row.producer_id
            yield "section", row.producer_id, row.producer_name
        yield "row", row.cells, None
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress:
        progress(done)


def _day(value: date | None) -> str:
    # date_pl's strftime, inlined: a tenth of the CSV's time at 50,000 rows.
    return "" if value is None else f"{value.day:02d}.{value.month:02d}.{value.year}"


def section_title(name: str, count: int) -> str:
    return f"Producent: {name} – {count} poz."


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) in a
# client's name would reach whoever opens the export): OWASP's advice is to start such a text
# cell with an apostrophe, which Excel and LibreOffice show as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """The cell as a spreadsheet must show it: text that could start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(kind: str, rows: Iterable[ReportRow], out: BinaryIO, *,
              head: ReportHeader | None = None, counts: dict[int, int] | None = None,
              progress: Progress = None) -> None:
    """UTF-8 with a BOM, `;` and CRLF: what Polish Excel opens by a double click without mangling
    letters or splitting on the decimal comma; dates as DD.MM.RRRR, which it reads as dates."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    dates = DATE_COLUMNS[kind]
    if head is not None:
        writer.writerows((label, csv_safe(value)) for label, value in header_lines(head))
        writer.writerow([])
    writer.writerow(COLUMNS[kind])
    for what, value, name in _sections(rows, head is not None, progress):
        if what == "section":
            writer.writerow([csv_safe(section_title(name, (counts or {}).get(value, 0)))])
        else:
            writer.writerow([_day(v) if i in dates else csv_safe(v)
                             for i, v in enumerate(value)])
    text.flush()
    text.detach()


WIDTHS = {"Nr fabryczny": 16, "Nr unikatowy": 16, "Data wykonania": 14, SERVICE_COLUMN: 50,
          "NIP podatnika": 15, "Nazwa podatnika": 40, "Adres miejsca instalacji": 50}


def write_xlsx(kind: str, rows: Iterable[ReportRow], path: str, *,
               head: ReportHeader | None = None, counts: dict[int, int] | None = None,
               progress: Progress = None) -> None:
    """XlsxWriter in constant_memory mode (rows flushed as written): dates are real date cells,
    numbers like NIP or the unique no. are text cells, the column header row is frozen."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Raport")
    bold = book.add_format({"bold": True})
    head_fmt = book.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
    date_fmt = book.add_format({"num_format": "dd.mm.yyyy"})
    columns = COLUMNS[kind]
    for i, name in enumerate(columns):
        sheet.set_column(i, i, WIDTHS.get(name, 20))
    dates = DATE_COLUMNS[kind]
    r = 0
    if head is not None:
        for label, value in header_lines(head):
            sheet.write_string(r, 0, label, bold)
            sheet.write_string(r, 1, value)
            r += 1
        r += 1
    for i, name in enumerate(columns):
        sheet.write_string(r, i, name, head_fmt)
    sheet.freeze_panes(r + 1, 0)
    r += 1
    for what, value, name in _sections(rows, head is not None, progress):
        if what == "section":
            sheet.write_string(r, 0, section_title(name, (counts or {}).get(value, 0)), bold)
        else:
            for i, v in enumerate(value):
                if i in dates and isinstance(v, date):
                    sheet.write_datetime(r, i, v, date_fmt)
                else:
                    sheet.write_string(r, i, "" if v is None else str(v))
        r += 1
    book.close()
