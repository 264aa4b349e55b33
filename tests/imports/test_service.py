"""The import's rules, called as the job calls them: the same NIP, mask, prefix and date rules
as the forms, every error at its row and cell, all or nothing, and a second import of the same
file changes nothing."""


import openpyxl
import pytest
from sqlalchemy import func, select

from app import audit, clock
from app.extensions import db
from app.identifiers import POSTAL_CODE_MESSAGE
from app.imports import files
from app.imports.columns import ImportKind, guess_mapping, template_file
from app.imports.files import FileProblem, header_and_rows
from app.imports.service import check, run
from app.models import AuditEntry, Device, Location, Party, Technician
from tests.imports.conftest import nip

CLIENT_HEADER = "NIP;Nazwa;Ulica;Kod pocztowy;Miejscowość;Miejsce instalacji;" \
                "Ulica miejsca instalacji;Kod pocztowy miejsca instalacji;" \
                "Miejscowość miejsca instalacji"
DEVICE_HEADER = "NIP klienta;Producent;Model;Nr fabryczny;Nr unikatowy;Data fiskalizacji;" \
                "Data ostatniego przeglądu"


def _csv(tmp_path, lines, encoding="cp1250", name="plik.csv"):
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def _import(path, kind, dry_run=False, file_kind="csv"):
    header, _ = header_and_rows(path, file_kind)
    mapping = guess_mapping(kind, header)
    return run(path, file_kind, kind, mapping, dry_run=dry_run, source=path.name)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_clients_with_sites_from_windows_1250_csv_and_again_changes_nothing(ids, tmp_path):
    new = nip(1)
    path = _csv(tmp_path, [
        CLIENT_HEADER,
        f"{new[:3]}-{new[3:6]}-{new[6:8]}-{new[8:]};Sklep Żółw;Długa 5;00-950;Łódź;"
        "Sklep 1;Długa 5;00-950;Łódź",
        f"{new};Sklep Żółw;;;;Kiosk;Krótka 2;90-001;Łódź",
        "7010002139;Klient Alfa;;;;;Nowa 9;00-002;Warszawa",  # the existing client: a new site
    ])
    result = _import(path, ImportKind.CLIENTS)
    assert result["saved"] and result["error_count"] == 0
    assert result["counts"] == {"clients_added": 1, "clients_unchanged": 1, "sites_added": 3}
    client = db.session.scalar(select(Party).where(Party.nip == new))
    assert (client.name, client.city, client.postal_code) == ("Sklep Żółw", "Łódź", "00-950")
    # stored folded as the form stores it: "zolw" finds the imported "Żółw"
    assert client.name_key == "sklep zolw"
    assert sorted(loc.street for loc in client.locations) == ["Długa 5", "Krótka 2"]
    assert _count(Location, Location.client_id == ids["client_id"]) == 2
    assert _count(AuditEntry, AuditEntry.action == "client.created") == 1
    assert _count(AuditEntry, AuditEntry.action == "location.created") == 3

    again = _import(path, ImportKind.CLIENTS)
    assert again["counts"] == {"clients_unchanged": 2, "sites_unchanged": 3}
    assert _count(Party, Party.is_client.is_(True)) == 2 and _count(Location) == 4


def test_bad_client_rows_are_named_at_their_cells_and_nothing_is_saved(ids, tmp_path):
    path = _csv(tmp_path, [
        CLIENT_HEADER,
        f"{nip(2)};Dobry;;;;;;;",
        "1234567890;Zła suma;;;;;;;",
        f"{nip(3)};;;9910;;;Lipowa 1;;Kraków",
        f"{nip(2)};Dobry;;;;;;;",
        f"{nip(2)};Inna nazwa;;;;;Rynek 1;00-001;Gdańsk",
        "5272457354;Producent Alfa;;;;;;;",  # the producer's NIP
    ], encoding="utf-8-sig")
    result = _import(path, ImportKind.CLIENTS)
    assert not result["saved"]
    errors = {(row, field): message for row, field, message in result["errors"]}
    assert errors[(3, "nip")] == "Nieprawidłowy NIP: błędna suma kontrolna."
    assert errors[(4, "name")] == "Podaj nazwę klienta."
    assert errors[(4, "postal_code")] == POSTAL_CODE_MESSAGE
    assert errors[(4, "site_postal_code")] == "Podaj kod pocztowy."
    assert "Powtórzony wiersz" in errors[(5, "nip")] and "wierszu 2" in errors[(5, "nip")]
    assert "wierszu 2" in errors[(6, "name")]
    assert "producent" in errors[(7, "nip")]
    assert _count(Party, Party.nip == nip(2)) == 0


def test_devices_use_the_producers_masks_and_prefixes_and_dates_like_the_form(ids, tmp_path):
    today = clock.today()
    path = _csv(tmp_path, [
        DEVICE_HEADER,
        f"7010002139;Producent Alfa;Ergo;PO123456789;ZBF1234567890;15.03.2024;"
        f"{today:%d.%m.%Y}",
        "7010002139;Producent Alfa;Ergo;XX1;ABC1234567890;31.02.2024;",
        "7010002139;Nieznany;Ergo;PO123456780;ZBF1234567891;;",
        "7010002139;Producent Alfa;=A1&B1;PO123456781;ZBF1234567890;;",
        f"{nip(9)};Producent Alfa;;PO123456782;ZBF1234567892;;",
        "7010002139;Producent Alfa;;PO808131055;ZBF1234567893;;",  # the existing device's
    ])
    result = _import(path, ImportKind.DEVICES)
    errors = {(row, field): message for row, field, message in result["errors"]}
    assert not result["saved"]
    assert errors[(3, "factory_no")] == "Nr fabryczny nie pasuje do masek producenta: PO#########."
    assert errors[(3, "unique_no")].startswith("Prefiks ABC nie należy do producenta")
    assert errors[(3, "fiscalized_on")] == "„31.02.2024” to nie jest poprawna data: podaj ją " \
                                           "jak 31.12.2026."
    assert errors[(4, "producer")].startswith("Firma nie ma producenta „Nieznany”")
    assert "formułę" in errors[(5, "model")]
    assert errors[(5, "unique_no")] == "Powtórzony nr unikatowy: ten sam co w wierszu 2."
    assert "Nie ma klienta z NIP" in errors[(6, "client_nip")]
    assert errors[(7, "factory_no")] == "Urządzenie o nr fabrycznym PO808131055 już istnieje."
    assert (2, "fiscalized_on") not in errors
    assert _count(Device) == 1


def _devices_xlsx(tmp_path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["NIP klienta", "Producent", "Model", "Nr fabryczny", "Nr unikatowy",
                  "Data fiskalizacji", "Data ostatniego przeglądu", "Ulica miejsca instalacji",
                  "Kod pocztowy miejsca instalacji", "Miejscowość miejsca instalacji"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / "urzadzenia.xlsx"
    book.save(path)
    return path


def test_devices_from_xlsx_with_date_cells_and_numbers_and_again_changes_nothing(ids, tmp_path):
    day = clock.today().replace(day=1)
    path = _devices_xlsx(tmp_path, [
        [7010002139, "producent alfa", "Ergo", "PO123456789", "ZBF 1234567890", day, None,
         "Prosta 1", "00-001", "Warszawa"],
        ["701-000-21-39", "5272457354", "Ergo", "PO123456788", "ZBF1234567899", None, None,
         "Inna 3", "00-003", "Warszawa"],
        # the existing device: its model changes
        ["7010002139", "Producent Alfa", "Ergo 2", "PO808131055", "ZBF1801007587", None, None,
         None, None, None],
    ])
    result = _import(path, ImportKind.DEVICES, file_kind="xlsx")
    assert result["error_count"] == 0, result["errors"]
    assert result["counts"] == {"devices_added": 2, "devices_updated": 1, "sites_added": 1}
    device = db.session.scalar(select(Device).where(Device.unique_no == "ZBF1234567890"))
    assert (device.fiscalized_on, device.status) == (day, "fiscalized")
    assert device.location_id == ids["location_id"]  # the client's site at that address
    assert db.session.get(Device, ids["device_id"]).model == "Ergo 2"
    assert _count(AuditEntry, AuditEntry.action == "device.created") == 2

    again = _import(path, ImportKind.DEVICES, file_kind="xlsx")
    assert again["counts"] == {"devices_unchanged": 3}
    assert _count(Device) == 3 and _count(Location) == 2


def test_imported_devices_carry_their_town(ids, tmp_path):
    """The multi-row INSERT skips the session's flush: the import sets the devices' town
    itself (app/devices/town.py), the site's city, or the client's seat without a site."""
    path = _devices_xlsx(tmp_path, [
        [7010002139, "Producent Alfa", "Ergo", "PO123456788", "ZBF1234567899", None, None,
         "Inna 3", "00-003", "Sopot"],
        [7010002139, "Producent Alfa", "Ergo", "PO123456787", "ZBF1234567898", None, None,
         None, None, None],
    ])
    assert _import(path, ImportKind.DEVICES, file_kind="xlsx")["error_count"] == 0
    seat = db.session.scalar(select(Party.city).where(Party.nip == "7010002139"))
    towns = dict(db.session.execute(select(Device.unique_no, Device.town).where(
        Device.unique_no.in_(["ZBF1234567899", "ZBF1234567898"]))).all())
    assert seat and seat != "Sopot"
    assert towns == {"ZBF1234567899": "Sopot", "ZBF1234567898": seat}


def test_devices_match_only_the_companys_own_numbers(ids, tenant_b, tmp_path):
    """Another company holds a device with the same numbers: the file's row is this company's
    device (updated), and the other one is neither changed nor reported as taken."""
    from app import tenancy
    from tests import factories

    factories.populate(tenant_b, "Beta")  # the same unique and factory numbers as Alfa's
    path = _csv(tmp_path, [
        DEVICE_HEADER,
        "7010002139;Producent Alfa;Ergo 3;PO808131055;ZBF1801007587;;",
        "7010002139;Producent Alfa;Ergo 3;PO123456780;ZBF1234567891;;",
    ])
    result = _import(path, ImportKind.DEVICES)
    assert result["error_count"] == 0, result["errors"]
    assert result["counts"] == {"devices_updated": 1, "devices_added": 1}
    assert db.session.get(Device, ids["device_id"]).model == "Ergo 3"
    with tenancy.use_tenant(tenant_b.id):
        assert db.session.scalars(select(Device.model)).all() == ["Ergo Beta"]


def test_formula_cell_in_xlsx_is_refused(ids, tmp_path):
    path = _devices_xlsx(tmp_path, [["7010002139", "Producent Alfa", "=1+1", "PO123456789",
                                     "ZBF1234567890", None, None, None, None, None]])
    result = _import(path, ImportKind.DEVICES, file_kind="xlsx")
    assert result["errors"] == [[2, "model", "Komórka zawiera formułę (=1+1): formuły nie są "
                                             "importowane. Wpisz w niej wartość."]]


def test_technicians_matched_by_seal_number(ids, tmp_path):
    path = _csv(tmp_path, ["Imię i nazwisko;Identyfikator;Nr plomby",
                           "Anna Nowak;AN01;PL-1", "Jan Alfa Senior;T-Alfa;P-Alfa"])
    result = _import(path, ImportKind.TECHNICIANS)
    assert result["counts"] == {"technicians_added": 1, "technicians_updated": 1}
    assert db.session.get(Technician, ids["technician_id"]).name == "Jan Alfa Senior"
    assert _import(path, ImportKind.TECHNICIANS)["counts"] == {"technicians_unchanged": 2}
    clash = _csv(tmp_path, ["Imię i nazwisko;Identyfikator;Nr plomby", "Ewa;AN01;PL-9",
                            "Ola;OL1;PL-7", "Ula;UL1;PL-7"], name="b.csv")
    errors = _import(clash, ImportKind.TECHNICIANS)["errors"]
    assert [2, "identifier", "Ten identyfikator ma już inny serwisant."] in errors
    assert [4, "seal_no", "Powtórzona wartość: ta sama co w wierszu 3."] in errors


def test_dry_run_counts_and_saves_nothing(ids, tmp_path):
    path = _csv(tmp_path, [CLIENT_HEADER, f"{nip(4)};Nowy;;;;;;;"])
    result = _import(path, ImportKind.CLIENTS, dry_run=True)
    assert (result["saved"], result["counts"]) == (False, {"clients_added": 1})
    assert _count(Party, Party.nip == nip(4)) == 0


def test_a_failure_while_writing_leaves_nothing(ids, tmp_path, monkeypatch):
    path = _csv(tmp_path, [CLIENT_HEADER] + [f"{nip(10 + i)};Klient {i};;;;;Ulica {i};00-001;X"
                                             for i in range(5)])

    def fail(action, *args, **kwargs):
        if action == "location.created":
            raise RuntimeError("the worker died here")

    monkeypatch.setattr(audit, "record_many", fail)
    with pytest.raises(RuntimeError):
        _import(path, ImportKind.CLIENTS)
    db.session.rollback()
    assert _count(Party, Party.is_client.is_(True)) == 1 and _count(Location) == 1


def test_preview_checks_only_the_first_rows(ids, tmp_path):
    path = _csv(tmp_path, [CLIENT_HEADER] + [f"{nip(100 + i)};K{i};;;;;;;" for i in range(150)])
    header, _ = header_and_rows(path, "csv")
    outcome = check(path, "csv", ImportKind.CLIENTS, guess_mapping(ImportKind.CLIENTS, header),
                    limit=100)
    assert outcome.rows == 100 and len(outcome.preview) == 100 and not outcome.errors


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", list(ImportKind))
def test_templates_are_recognised_without_mapping(kind, fmt, tmp_path):
    name, _, data = template_file(kind, fmt)
    path = tmp_path / name
    path.write_bytes(data)
    header, rows = header_and_rows(path, fmt)
    mapping = guess_mapping(kind, header)
    assert None not in mapping.values()
    assert len(list(rows)) == 1


def test_files_that_are_not_tables(tmp_path):
    with pytest.raises(FileProblem):
        files.kind_of("a.pdf", b"%PDF-1.4")
    with pytest.raises(FileProblem):
        files.kind_of("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1")
    assert files.kind_of("dane.CSV", b"NIP;Nazwa") == "csv"
    assert files.kind_of("dane.xlsx", b"PK\x03\x04") == "xlsx"
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"\r\n;;\r\n")
    with pytest.raises(FileProblem, match="pusty"):
        header_and_rows(empty, "csv")
    broken = tmp_path / "b.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileProblem):
        header_and_rows(broken, "xlsx")


