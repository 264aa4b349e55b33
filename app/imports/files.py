"""Reading an uploaded file into rows of text: CSV as Polish Excel writes it (`;` or `,`,
UTF-8 with or without a BOM, or Windows-1250) and XLSX (openpyxl, read-only: rows stream, the
whole sheet is never in memory). Every cell becomes text, or a date for a date cell; a formula
is not evaluated and is reported as such (a `Formula` value), so nothing computed in someone's
spreadsheet lands in the registry unseen."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

MAX_ROWS = 100_000
NOT_A_TABLE = "To nie jest plik CSV ani XLSX. Zapisz arkusz jako CSV (rozdzielany średnikami) " \
              "albo skoroszyt programu Excel (.xlsx)."
EMPTY = "Plik jest pusty: brak wiersza nagłówków z nazwami kolumn."
NO_ROWS = "Plik ma tylko wiersz nagłówków, bez danych."
TOO_MANY = f"Plik ma więcej niż {MAX_ROWS:,} wierszy danych; podziel go na mniejsze.".replace(
    ",", " ")


class FileProblem(ValueError):
    """The file as a whole cannot be read; the message is for the user (Polish)."""


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula (=SUMA(...)): never evaluated, never imported."""

    text: str

    def __str__(self) -> str:
        return self.text


Cell = str | date | Formula


def kind_of(name: str, head: bytes) -> str:
    """"csv" or "xlsx", by content (a ZIP with a workbook) and then by the name; FileProblem
    for anything else (a PDF, an old .xls, an image)."""
    suffix = Path(name or "").suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix in (".xlsx", ".xlsm", ""):
            return "xlsx"
        raise FileProblem(NOT_A_TABLE)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls
        raise FileProblem("Stary format .xls nie jest obsługiwany: zapisz plik jako .xlsx "
                          "albo CSV.")
    if suffix not in (".csv", ".txt", "") or b"\x00" in head:
        raise FileProblem(NOT_A_TABLE)
    return "csv"


def header_and_rows(path: Path, kind: str) -> tuple[list[str], Iterator[tuple[int, list[Cell]]]]:
    """The column names and the data rows numbered as the user sees them in a spreadsheet
    (the header is row 1). FileProblem when the file is empty or unreadable."""
    rows = _numbered(path, kind)
    try:
        _, header = next(rows)
    except StopIteration:
        raise FileProblem(EMPTY) from None
    names = [str(cell).strip() if not isinstance(cell, date) else cell.isoformat()
             for cell in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileProblem(EMPTY)
    return names, rows


def _numbered(path: Path, kind: str) -> Iterator[tuple[int, list[Cell]]]:
    rows = _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)
    data_rows = 0
    for number, row in enumerate(rows, start=1):
        if not any(_filled(cell) for cell in row):
            continue
        if number > 1:
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise FileProblem(TOO_MANY)
        yield number, row


def _filled(cell) -> bool:
    return not (cell is None or (isinstance(cell, str) and not cell.strip()))


# --- CSV -----------------------------------------------------------------------------------

def _text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("Nie można odczytać znaków w pliku: zapisz go w kodowaniu UTF-8 albo "
                      "Windows-1250.")


def _csv_rows(path: Path) -> Iterator[list[Cell]]:
    text = _text(path)
    first = text.split("\n", 1)[0]
    # Polish Excel separates with `;` (the comma is the decimal point); others use `,`.
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [Formula(cell.strip()) if cell.strip().startswith("=") else cell for cell in row]


# --- XLSX ----------------------------------------------------------------------------------

def _xlsx_rows(path: Path) -> Iterator[list[Cell]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(NOT_A_TABLE) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        for row in sheet.iter_rows():
            yield [_xlsx_cell(cell) for cell in row]
    finally:
        book.close()


def _xlsx_cell(cell) -> Cell:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str)
                                                   and value.startswith("=")):
        return Formula(str(value))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "tak" if value else "nie"
    if isinstance(value, float) and value.is_integer():
        # A NIP or a factory number typed into a number cell: 5260250274.0 is 5260250274.
        return str(int(value))
    return str(value)
