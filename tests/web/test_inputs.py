"""No 500 on any input (issue 11, items 10 and 11): one regression test per class of input, on
both databases. The fuzz test (test_fuzz.py) walks every rule; these name each root."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app import bounds, tenancy
from app.extensions import db
from app.formatting import day_range
from app.listing import encode_cursor, keyset_page
from app.models import Order, OrderItem, Party, Service
from tests import factories


@pytest.fixture
def owner(app, tenant_a, login):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    return login(tenant_a.owner_email)


def _row(app, tenant, model, ident):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        obj = db.session.get(model, ident)
        db.session.expunge_all()
        return obj


# --- ids and integer parameters ----------------------------------------------------------------

def test_every_integer_column_holds_what_the_bound_lets_through():
    from sqlalchemy import BigInteger, Integer

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Integer):
                assert not isinstance(column.type, BigInteger), (table.name, column.name)
    assert bounds.INT_MAX == 2**31 - 1


@pytest.mark.parametrize("ident", ["2147483648", "9223372036854775808", "18446744073709551616",
                                   str(10**30)])
def test_an_id_past_the_columns_is_not_found(owner, tenant_a, ident):
    for path in (f"/uslugi/{ident}", f"/zlecenia/{ident}/pozycje", f"/klienci/{ident}/edycja"):
        assert owner.get(path).status_code == 404
    assert owner.post(f"/urzadzenia/{ident}/usun").status_code == 404


def test_the_largest_id_is_an_ordinary_unknown_id(owner):
    assert owner.get(f"/uslugi/{2**31 - 1}").status_code == 404


@pytest.mark.parametrize("value", [str(2**31), str(2**63), str(2**64), str(10**30), "1e30",
                                   "-1", str(-(2**31) - 1)])
def test_integer_query_parameters_past_the_columns_are_ignored(owner, value):
    for path in (f"/klienci/opcje?selected={value}", f"/zlecenia?producer_id={value}",
                 f"/wysylka?producer_id={value}", f"/urzadzenia?producer={value}",
                 f"/zlecenia/urzadzenia-opcje?client_id={value}&device_id={value}",
                 f"/administracja/dziennik?user_id={value}"):
        assert owner.get(path).status_code == 200, path


# --- dates -------------------------------------------------------------------------------------

def test_day_range_never_overflows():
    start, end = day_range(date.min, date.max)
    assert start.date() == bounds.DAY_MIN and end.date() == date(2101, 1, 1)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_list_filters_take_any_day(owner, day):
    for path in (f"/zlecenia?date_from={day}&date_to={day}", f"/wysylka?from={day}&to={day}",
                 f"/administracja/dziennik?from={day}&to={day}", f"/zlecenia/zamkniete?from={day}"):
        assert owner.get(path).status_code == 200, path


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_a_date_field_refuses_a_day_out_of_range(owner, tenant_a, day):
    order_id = tenant_a.ids["order_id"]
    response = owner.post(f"/zlecenia/{order_id}/pozycje", data={
        "service_id": tenant_a.ids["service_id"], "quantity": "1", "performed_on": day})
    assert response.status_code == 200
    assert "Podaj datę z zakresu 01.01.1900–31.12.2100." in response.get_data(as_text=True)
    response = owner.post(f"/serwisanci/{tenant_a.ids['technician_id']}/uprawnienia", data={
        "producer_id": tenant_a.ids["producer_id"], "expires_on": day}, follow_redirects=True)
    assert response.status_code == 200
    assert "Podaj datę z zakresu" in response.get_data(as_text=True)


def test_a_report_range_ending_on_the_last_day_is_refused_with_a_message(owner):
    response = owner.get("/raporty/podglad?kind=services&date_from=9999-12-30"
                         "&date_to=9999-12-31")
    assert response.status_code == 422
    assert "Podaj datę z zakresu" in response.get_data(as_text=True)


# --- keyset cursors ----------------------------------------------------------------------------

@pytest.mark.parametrize("values", [[1e30], [10**30], [2**31], [2**63], ["x\x00", 1], [[[]]],
                                    [None], ["Przegląd", 10**30], ["Przegląd", 1e30], [True]])
def test_a_cursor_that_is_not_ours_is_the_first_page(app, owner, values):
    for path, cursor in (("/uslugi", encode_cursor(values)), ("/wysylka", encode_cursor(values)),
                         ("/klienci", encode_cursor(values)), ("/uslugi", "1e30"),
                         ("/uslugi", "W" * 3000), ("/uslugi", "%ff")):
        response = owner.get(path, query_string={"after": cursor})
        assert response.status_code == 200, (path, values)


def test_keyset_page_with_a_cursor_past_the_columns_starts_over(app, tenant_a, owner):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        for cursor in (encode_cursor(["a", 10**30]), encode_cursor(["a", 2.5]),
                       encode_cursor([Decimal("1e30")]), "[[[[" * 10000):
            page = keyset_page(select(Service), [Service.name, Service.id], cursor)
            assert page.first and len(page.items) == 1


# --- text --------------------------------------------------------------------------------------

def test_control_characters_are_removed_from_text(app, tenant_a, owner):
    client_id = tenant_a.ids["client_id"]
    response = owner.post(f"/klienci/{client_id}/edycja", data={
        "name": "Kli\x00ent\x1b Alfa", "nip": "7010002139", "notes": "linia 1\r\n\tlinia\x00 2"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    party = _row(app, tenant_a, Party, client_id)
    assert party.name == "Klient Alfa"
    assert party.notes == "linia 1\r\n\tlinia 2"


def test_nul_in_a_search_is_no_error(owner):
    for path in ("/klienci?q=a%00b", "/urzadzenia?q=%00", "/uslugi?q=%00%ff%fe",
                 "/zlecenia?q=%00", "/klienci/opcje?q=%00"):
        assert owner.get(path).status_code == 200, path


# --- decimals ----------------------------------------------------------------------------------

def test_numeric_limits_come_from_the_columns():
    assert bounds.numeric_limits(Service.price) == (Decimal(10) ** 10, 2)
    assert bounds.numeric_limits(OrderItem.quantity) == (Decimal(10) ** 7, 3)
    assert bounds.numeric_problem(Decimal("9999999999.99"), Service.price) is None
    assert bounds.numeric_problem(Decimal("9999999999.995"), Service.price)  # rounds to 1e10
    assert bounds.numeric_problem(Decimal("1e30"), Service.price)
    assert bounds.numeric_problem(Decimal("1e999999999"), Service.price)
    assert bounds.numeric_problem(Decimal("NaN"), Service.price)
    assert bounds.numeric_problem(0, Service.price) is None  # a field's default


@pytest.mark.parametrize(("price", "message"), [
    ("10000000000", "Najwyżej 9 999 999 999,99."), ("1e30", "Najwyżej 9 999 999 999,99."),
    ("NaN", "Podaj liczbę"), ("Infinity", "Podaj liczbę"), ("1,005", "Najwyżej 2 miejsca")])
def test_a_price_the_column_cannot_hold_is_refused(app, tenant_a, owner, price, message):
    service_id = tenant_a.ids["service_id"]
    response = owner.post(f"/uslugi/{service_id}/edycja", data={
        "name": "Przegląd", "price": price, "vat_rate": "23"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _row(app, tenant_a, Service, service_id).price == Decimal("150.00")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("quantity", "10000000", "Najwyżej 9 999 999,999."),
    ("quantity", "1e30", "Najwyżej 9 999 999,999."),
    ("quantity", "0,0001", "Najwyżej 3 miejsca"),
    ("price", "1e10", "Najwyżej 9 999 999 999,99."),
    ("price", "-Infinity", "Podaj liczbę")])
def test_an_item_the_columns_cannot_hold_is_refused_and_the_order_still_shows(
        app, tenant_a, owner, field, value, message):
    order_id = tenant_a.ids["order_id"]
    data = {"service_id": tenant_a.ids["service_id"], "quantity": "1", "price": "1",
            field: value}
    response = owner.post(f"/zlecenia/{order_id}/pozycje", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(db.func.count()).select_from(OrderItem)) == 1
    for tab in ("", "/pozycje", "/ksiazka", "/wysylka"):
        assert owner.get(f"/zlecenia/{order_id}{tab}").status_code == 200


def test_a_settlement_sum_past_its_column_is_refused(app, tenant_a, owner):
    order_id = tenant_a.ids["order_id"]
    for _ in range(2):
        response = owner.post(f"/zlecenia/{order_id}/pozycje", data={
            "service_id": tenant_a.ids["service_id"], "quantity": "9999999,999",
            "price": "9999999999,99"})
        assert response.status_code in (200, 303)
        assert "Najwyżej" not in response.get_data(as_text=True)
    owner.post(f"/zlecenia/{order_id}/rozpocznij")
    response = owner.post(f"/zlecenia/{order_id}/rozlicz", data={"doc_no": "FV 1/2026"},
                          follow_redirects=True)
    assert response.status_code == 200
    assert "Suma pozycji zlecenia jest za duża" in response.get_data(as_text=True)
    assert _row(app, tenant_a, Order, order_id).settled_at is None


# --- URLs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://[::1", "http://[::1]:99999/", "https://x:0/",
                                 "https://exa mple.pl/", "http://rzs.pl:abc/"])
def test_a_registry_url_that_does_not_parse_gets_a_message(app, tenant_a, owner, url):
    producer_id = tenant_a.ids["producer_id"]
    response = owner.post(f"/producenci/{producer_id}/kontrola", data={
        "factory_masks": "PO#########", "unique_prefixes": "ZBF", "api_url": url})
    assert response.status_code == 200
    assert "Podaj pełny adres" in response.get_data(as_text=True)
    assert _row(app, tenant_a, Party, producer_id).api_url == "http://127.0.0.1:5050/posnet"


# --- the 500 page ------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["aborted transaction", "tenant gone"])
def test_the_500_page_renders_after_a_failed_tenant_request(app, owner, monkeypatch, how):
    """The view fails half-way as a tenant: PostgreSQL's transaction is aborted, or the tenant
    is unset and the signed-in user expired. The page is still Plomba's, with status 500."""

    def broken_view():
        db.session.scalar(select(Service.id))  # a tenant-scoped query: the request is a tenant's
        if how == "aborted transaction":
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.expire_all()
        tenancy.set_tenant(None)
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.about", broken_view)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = owner.get("/o-programie")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Błąd serwera" in body and 'class="card error-page"' in body
    assert owner.get("/uslugi").status_code == 200  # the next request is served as usual
