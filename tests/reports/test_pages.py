"""The report page: parameters with Polish messages, Podgląd, Druk and Eksport do pliku."""

import html
import re

import pytest

from app.models import Role
from tests import factories
from tests.reports.conftest import FROM, TO

GOOD = {"kind": "services", "date_from": FROM.isoformat(), "date_to": TO.isoformat(),
        "producer_id": ""}


@pytest.fixture
def signed_in(client, login, report_data, tenant_a):
    login(tenant_a.owner_email)
    return client


def test_page_has_form_and_actions(signed_in):
    body = signed_in.get("/raporty/").get_data(as_text=True)
    for text in ("Raport zlecenia dla RZS API – Usługi ze zleceń",
                 "Raport zlecenia dla RZS API – Dane Kas", "Opis podziału wg producentów",
                 "Podgląd", "Druk", "Eksport do pliku", "Eksport e-mail", "Posnet Polska"):
        assert text in body
    assert "Novitus Beta" not in body


@pytest.mark.parametrize(("role", "status"), [(Role.OFFICE, 200), (Role.TECHNICIAN, 403)])
def test_office_may_use_reports_technician_may_not(client, login, report_data, tenant_a, role,
                                                   status, app):
    with app.app_context():
        factories.make_user(tenant_a, f"{role.value}@alfa.pl", role)
    login(f"{role.value}@alfa.pl")
    assert client.get("/raporty/podglad", query_string=GOOD).status_code == status
    assert client.post("/raporty/eksport", data=GOOD | {"fmt": "csv"}).status_code == status


def test_preview_rows_and_htmx_partial(signed_in):
    response = signed_in.get("/raporty/podglad", query_string=GOOD, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in body and 'id="report"' in body
    assert "Pozycji: 4" in body and "Naprawa głowicy" in body and "10.03.2026" in body
    assert "Usługa bez wpisu" not in body and "Usługa Beta" not in body


def test_preview_divided_by_producer(signed_in):
    body = signed_in.get("/raporty/podglad", query_string=GOOD | {"by_producer": "y"}
                         ).get_data(as_text=True)
    assert "Producent: Elzab – 1 poz." in body and "Producent: Posnet Polska – 3 poz." in body
    assert body.index("Producent: Elzab") < body.index("Fiskalizacja") \
        < body.index("Producent: Posnet Polska") < body.index("Naprawa głowicy")
    assert "123-456-32-18" in body and "01.03.2026 – 31.03.2026" in body and "wszyscy" in body


def test_preview_paginates(signed_in, monkeypatch):
    from app.reports import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 3)
    body = signed_in.get("/raporty/podglad", query_string=GOOD).get_data(as_text=True)
    assert "strona 1 z 2" in body and "Następna" in body and "Wymiana plomby" not in body
    following = re.search(r'<a href="([^"]+)"[^>]*>Następna', body).group(1)
    body = signed_in.get(html.unescape(following)).get_data(as_text=True)
    assert "strona 2 z 2" in body and "Wymiana plomby" in body
    assert "Poprzednia" in body and "Fiskalizacja" not in body


BAD = [
    ({"date_from": "", "date_to": ""}, "Podaj datę początkową zakresu."),
    ({"date_to": "2026-02-01"}, "Data końcowa nie może być wcześniejsza niż początkowa."),
    ({"date_from": "2020-01-01", "date_to": "2025-01-01"},
     "Zakres dat może obejmować najwyżej 5 lat."),
    ({"producer_id": "999999"}, "Nie ma takiego producenta."),
    ({"date_from": "32.13.2026"}, "Nie ma takiego dnia: 32.13.2026."),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_input_message_at_the_field_nothing_started(signed_in, change, message, monkeypatch):
    from app.reports import routes

    monkeypatch.setattr(routes.jobs, "new", lambda *a, **k: pytest.fail("job started"))
    response = signed_in.get("/raporty/podglad", query_string=GOOD | change,
                             headers={"HX-Request": "true"})
    assert message in response.get_data(as_text=True)
    assert 'class="error"' in response.get_data(as_text=True)
    response = signed_in.post("/raporty/eksport", data=GOOD | change | {"fmt": "csv"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_other_tenants_producer_is_unknown(signed_in, report_data):
    body = signed_in.get("/raporty/podglad", query_string=GOOD | {
        "producer_id": report_data.other_tenant_producer}).get_data(as_text=True)
    assert "Nie ma takiego producenta." in body


def test_five_years_less_a_day_is_allowed(signed_in):
    response = signed_in.get("/raporty/podglad", query_string=GOOD | {
        "date_from": "2021-04-01", "date_to": "2026-03-31"})
    assert response.status_code == 200 and "Pozycji: 5" in response.get_data(as_text=True)


def test_print_is_inline_pdf(signed_in):
    response = signed_in.post("/raporty/druk", data=GOOD)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_export_is_an_attachment(signed_in, fmt):
    response = signed_in.post("/raporty/eksport", data=GOOD | {"fmt": fmt})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=raport-uslugi-20260301-20260331.{fmt}")


def test_unknown_format_is_refused(signed_in):
    response = signed_in.post("/raporty/eksport", data=GOOD | {"fmt": "docx"})
    assert response.status_code == 422
    assert "Wybierz format pliku" in response.get_data(as_text=True)


def test_services_only_those_entered_in_the_book(signed_in):
    """The seed's column "Nazwa usługi wpisanej do książki serwisowej": a trip on a flagged
    order is not listed."""
    body = signed_in.get("/raporty/podglad", query_string=GOOD).get_data(as_text=True)
    assert "Nazwa usługi wpisanej do książki serwisowej" in body
    assert "Wymiana plomby" in body and "Dojazd do klienta" not in body


def test_nip_dashed_for_people_ten_digits_for_systems(signed_in):
    devices = GOOD | {"kind": "devices"}
    body = signed_in.get("/raporty/podglad", query_string=devices).get_data(as_text=True)
    assert "701-000-21-39" in body
    csv = signed_in.post("/raporty/eksport", data=devices | {"fmt": "csv"}).get_data()
    text = csv.decode("utf-8-sig")
    assert ";7010002139;" in text and "701-000-21-39;" not in text


def test_pdf_keeps_the_dashed_nip():
    from app.reports import pdf
    from app.reports.queries import ReportRow

    cells = ("EL1", "ELZ0000000001", "7010002139", "Żabka", "Łódź")
    html = pdf._html("devices", [ReportRow(1, "Elzab", cells)], _head(), False, {}, None)
    assert "701-000-21-39" in html and "7010002139" not in html


def _head():
    from datetime import datetime

    from app.reports.queries import ReportHeader

    return ReportHeader("Dane Kas", "Serwis", "123-456-32-18", FROM, TO, "wszyscy",
                        datetime(2026, 3, 31))
