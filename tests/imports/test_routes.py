"""Kartoteki -> Import z pliku through the web: upload, columns, preview with errors at their
cells, the job with its report; bad files refused with a Polish message; owners and office
only; another tenant's upload and job are not found."""

import io
import re

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.identifiers import POSTAL_CODE_MESSAGE
from app.models import Party, Role
from tests import factories
from tests.imports.conftest import nip
from workers import REPORTS, queue, redis_connection

HEADER = "NIP;Nazwa;Miejscowość;Kod pocztowy;Ulica;Ulica miejsca instalacji;" \
         "Kod pocztowy miejsca instalacji;Miejscowość miejsca instalacji"


def work(app) -> None:
    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue(REPORTS, connection)], connection=connection).work(burst=True)


def _upload(client, data: bytes, name="klienci.csv", kind="clients"):
    return client.post("/import/", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _clients_csv(*rows) -> bytes:
    return "\r\n".join([HEADER, *rows]).encode("cp1250")


def _token(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return re.search(r"/import/([0-9a-f]{32})/kolumny", response.headers["Location"]).group(1)


def test_upload_map_preview_import_and_report(app, client, login, tenant_a, redis_client,
                                              import_dir):
    login(tenant_a.owner_email)
    assert "Import z pliku" in client.get("/").get_data(as_text=True)  # the menu entry
    token = _token(_upload(client, _clients_csv(
        f"{nip(1)};Sklep Łąka;Gdańsk;80-001;Morska 1;Morska 1;80-001;Gdańsk",
        f"{nip(2)};Kiosk;Sopot;81-001;Długa 2;;;")))
    stored = list((import_dir / str(tenant_a.id)).glob(f"{token}.csv"))
    assert stored and stored[0].stat().st_mode & 0o777 == 0o600

    columns = client.get(f"/import/{token}/kolumny?kind=clients").get_data(as_text=True)
    assert '<option value="0" selected>NIP</option>' in columns  # recognised headers
    mapping = {"kind": "clients", "m_nip": "0", "m_name": "1", "m_city": "2",
               "m_postal_code": "3", "m_street": "4", "m_site_street": "5",
               "m_site_postal_code": "6", "m_site_city": "7"}
    preview = client.get(f"/import/{token}/podglad", query_string=mapping)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Sklep Łąka" in text and "są poprawne" in text

    response = client.post(f"/import/{token}/start", data=mapping | {"dry_run": "1"})
    assert response.status_code == 303
    dry_url = response.headers["Location"]
    assert "Wczytywanie pliku" in client.get(dry_url).get_data(as_text=True)
    work(app)
    dry = client.get(dry_url).get_data(as_text=True)
    assert "Próba: wszystkie 2 wiersze są poprawne" in dry and "Importuj" in dry
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Party)) == 0

    response = client.post(f"/import/{token}/start", data=mapping | {"dry_run": "0"})
    work(app)
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zaimportowano 2 wiersze" in report
    assert re.search(r"Klienci dodani</dt><dd>2<", report)
    assert re.search(r"Miejsca instalacji dodane</dt><dd>1<", report)
    assert not list((import_dir / str(tenant_a.id)).glob(f"{token}.*"))  # removed
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Party)) == 2


def test_preview_names_each_error_at_its_cell(app, client, login, tenant_a):
    login(tenant_a.owner_email)
    token = _token(_upload(client, _clients_csv("1234567890;Zły NIP;;;;;;",
                                                f"{nip(3)};Dobry;;9910;;;;")))
    text = client.get(f"/import/{token}/podglad?kind=clients&m_nip=0&m_name=1&m_postal_code=3"
                      ).get_data(as_text=True)
    assert "2 błędy" in text
    assert 'aria-describedby="e2-nip"' in text and 'id="e2-nip"' in text
    assert "Nieprawidłowy NIP: błędna suma kontrolna." in text
    assert 'id="e3-postal_code"' in text and POSTAL_CODE_MESSAGE in text
    missing = client.get(f"/import/{token}/podglad?kind=clients&m_name=1").get_data(as_text=True)
    assert "Przypisz kolumny: NIP." in missing


def test_import_with_errors_saves_nothing_and_lists_them(app, client, login, tenant_a,
                                                        redis_client):
    login(tenant_a.owner_email)
    token = _token(_upload(client, _clients_csv(f"{nip(4)};Dobry;;;;;;",
                                                f"{nip(4)};Dobry;;;;;;")))
    response = client.post(f"/import/{token}/start",
                           data={"kind": "clients", "m_nip": "0", "m_name": "1", "dry_run": "0"})
    work(app)
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 błąd w pliku" in report and "Nic nie zostało zapisane" in report
    assert "Powtórzony wiersz: ten sam klient i miejsce instalacji co w wierszu 2." in report
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Party)) == 0


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"%PDF-1.4 ...", "faktura.pdf", "To nie jest plik CSV ani XLSX"),
    (b"", "pusty.csv", "Plik jest pusty."),
    (b"\r\n;;\r\n", "puste.csv", "Plik jest pusty: brak wiersza nagłówków"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "stary.xls", "Stary format .xls"),
])
def test_files_that_cannot_be_imported(client, login, tenant_a, data, name, message,
                                       import_dir):
    login(tenant_a.owner_email)
    response = _upload(client, data, name)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text and 'aria-invalid="true"' in text
    assert not list((import_dir / str(tenant_a.id)).glob("*"))


def test_50_mb_is_refused_before_it_is_read(client, login, tenant_a, app):
    login(tenant_a.owner_email)
    response = _upload(client, b"x" * (50 * 1024 * 1024), "duzy.csv")
    assert response.status_code == 413
    limit = (app.config["MAX_CONTENT_LENGTH"] - 64 * 1024) // (1024 * 1024)
    assert f"Plik jest za duży: najwyżej {limit} MB." in response.get_data(as_text=True)


def test_templates_download(client, login, tenant_a):
    login(tenant_a.owner_email)
    csv = client.get("/import/wzor/devices.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeffNIP klienta;".encode())
    assert "import-urzadzenia.csv" in csv.headers["Content-Disposition"]
    assert client.get("/import/wzor/technicians.xlsx").data[:2] == b"PK"
    assert client.get("/import/wzor/other.csv").status_code == 404


def test_office_only_and_tenancy(app, client, login, tenant_a, tenant_b, redis_client):
    with app.app_context():
        factories.make_user(tenant_a, "serwis@alfa.pl", Role.TECHNICIAN)
        factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
    login("biuro@alfa.pl")
    token = _token(_upload(client, _clients_csv(f"{nip(5)};Klient;;;;;;")))
    response = client.post(f"/import/{token}/start",
                           data={"kind": "clients", "m_nip": "0", "m_name": "1", "dry_run": "1"})
    job_url = response.headers["Location"]
    client.post("/logout")

    login(tenant_b.owner_email)
    assert client.get(f"/import/{token}/kolumny?kind=clients").status_code == 404
    assert client.post(f"/import/{token}/start", data={"kind": "clients", "m_nip": "0",
                                                       "m_name": "1"}).status_code == 404
    assert client.get(job_url).status_code == 404
    client.post("/logout")

    login("serwis@alfa.pl")
    assert client.get("/import/").status_code == 403
    assert client.get(job_url).status_code == 403
