"""What each kind of import reads: its fields, the headers that name them (as Polish programs
and people write them), and the template file's header row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ImportKind(StrEnum):
    CLIENTS = "clients"
    DEVICES = "devices"
    TECHNICIANS = "technicians"

    @property
    def label(self) -> str:
        return {"clients": "Klienci z miejscami instalacji", "devices": "Urządzenia",
                "technicians": "Serwisanci"}[self.value]

    @property
    def slug(self) -> str:
        return {"clients": "klienci", "devices": "urzadzenia",
                "technicians": "serwisanci"}[self.value]


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # the template's header and the mapping screen's label
    required: bool = False
    headers: tuple[str, ...] = ()  # other headers that name it
    example: str = ""


FIELDS: dict[ImportKind, tuple[Field, ...]] = {
    ImportKind.CLIENTS: (
        Field("nip", "NIP", True, ("nip klienta", "nip podatnika", "numer nip"), "526-025-02-74"),
        Field("name", "Nazwa", True, ("nazwa klienta", "nazwa firmy", "klient", "podatnik",
                                      "kontrahent", "nazwa podatnika"), "Sklep Pod Lipą s.c."),
        Field("street", "Ulica", False, ("ulica i numer", "adres", "ulica i nr"), "Lipowa 1"),
        Field("postal_code", "Kod pocztowy", False, ("kod", "kod poczt"), "00-950"),
        Field("city", "Miejscowość", False, ("miasto", "miejscowosc", "poczta"), "Warszawa"),
        Field("regon", "REGON", False, (), ""),
        Field("phone", "Telefon", False, ("tel", "nr telefonu", "telefon kontaktowy"), ""),
        Field("site_name", "Miejsce instalacji", False,
              ("nazwa miejsca", "nazwa miejsca instalacji", "punkt", "sklep"), "Sklep nr 1"),
        Field("site_street", "Ulica miejsca instalacji", False,
              ("adres miejsca instalacji", "ulica punktu", "adres instalacji"), "Lipowa 1"),
        Field("site_postal_code", "Kod pocztowy miejsca instalacji", False,
              ("kod miejsca instalacji", "kod pocztowy punktu"), "00-950"),
        Field("site_city", "Miejscowość miejsca instalacji", False,
              ("miasto miejsca instalacji", "miejscowosc punktu"), "Warszawa"),
    ),
    ImportKind.DEVICES: (
        Field("client_nip", "NIP klienta", True, ("nip", "nip podatnika", "podatnik nip"),
              "526-025-02-74"),
        Field("producer", "Producent", True, ("nazwa producenta", "nip producenta", "marka"),
              "Novitus"),
        Field("model", "Model", False, ("typ", "nazwa urzadzenia", "model urzadzenia"),
              "Deon E"),
        Field("kind", "Rodzaj", False, ("rodzaj urzadzenia", "typ urzadzenia"), "kasa"),
        Field("factory_no", "Nr fabryczny", True, ("numer fabryczny", "nr fabr", "nr seryjny",
                                                    "numer seryjny"), "ABC1234567"),
        Field("unique_no", "Nr unikatowy", True, ("numer unikatowy", "nr unik",
                                                   "numer unikalny", "nr unikalny"),
              "ABC0123456789"),
        Field("registration_no", "Nr ewidencyjny", False, ("numer ewidencyjny", "nr ew"), ""),
        Field("fiscalized_on", "Data fiskalizacji", False, ("fiskalizacja", "data fisk"),
              "15.03.2024"),
        Field("last_inspection_on", "Data ostatniego przeglądu", False,
              ("ostatni przeglad", "data przegladu", "przeglad"), "10.03.2025"),
        Field("interval", "Przegląd co (miesięcy)", False, ("przeglad co", "okres przegladu"),
              "24"),
        Field("site_street", "Ulica miejsca instalacji", False,
              ("adres miejsca instalacji", "adres instalacji", "ulica punktu"), "Lipowa 1"),
        Field("site_postal_code", "Kod pocztowy miejsca instalacji", False,
              ("kod miejsca instalacji",), "00-950"),
        Field("site_city", "Miejscowość miejsca instalacji", False,
              ("miasto miejsca instalacji", "miejscowosc punktu"), "Warszawa"),
    ),
    ImportKind.TECHNICIANS: (
        Field("name", "Imię i nazwisko", True, ("serwisant", "nazwisko i imie", "nazwa"),
              "Jan Kowalski"),
        Field("identifier", "Identyfikator", True, ("id serwisanta", "identyfikator serwisanta",
                                                    "nr serwisanta", "numer serwisanta"), "JK01"),
        Field("seal_no", "Nr plomby", True, ("numer plomby", "plomba", "nr plomb"), "PL-00123"),
    ),
}


def fields(kind: ImportKind) -> tuple[Field, ...]:
    return FIELDS[kind]


def header_key(text: str) -> str:
    """A header as compared: lower case, no Polish letters' accents, no punctuation."""
    text = unicodedata.normalize("NFKD", (text or "").replace("ł", "l").replace("Ł", "L"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def guess_mapping(kind: ImportKind, header: list[str]) -> dict[str, int | None]:
    """Each field's column (index into the header) where a header names it, else None. A
    column serves one field: the first field that names it takes it."""
    keys = [header_key(h) for h in header]
    taken: set[int] = set()
    mapping: dict[str, int | None] = {}
    for field in FIELDS[kind]:
        names = [header_key(field.label)] + [header_key(h) for h in field.headers]
        mapping[field.name] = None
        for name in names:
            index = next((i for i, key in enumerate(keys) if key == name and i not in taken),
                         None)
            if index is not None:
                mapping[field.name] = index
                taken.add(index)
                break
    return mapping


MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def template_file(kind: ImportKind, fmt: str) -> tuple[str, str, bytes]:
    """The template to fill in: the header row the import recognises and one example row.
    CSV as Polish Excel reads it (`;`, UTF-8 with a BOM so that Excel shows "ś" right)."""
    header = [f.label for f in FIELDS[kind]]
    example = [f.example for f in FIELDS[kind]]
    name = f"import-{kind.slug}.{fmt}"
    if fmt == "csv":
        import csv
        import io

        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow(example)
        return name, MIMETYPES[fmt], out.getvalue().encode("utf-8-sig")
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = kind.label[:31]
    sheet.append(header)
    sheet.append(example)
    for cells in sheet.iter_cols(min_row=2, max_row=2):
        for cell in cells:
            cell.number_format = "@"  # text: Excel must not turn a NIP or a date into a number
    buffer = io.BytesIO()
    book.save(buffer)
    return name, MIMETYPES[fmt], buffer.getvalue()
