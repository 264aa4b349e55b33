"""Administracja -> Naprawa danych: copy the service-book flag from services to orders."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import select

from app import clock, tenancy
from app.admin.forms import years_ago
from app.admin.repair import copy_service_book_flag
from app.extensions import db
from app.formatting import WARSAW
from app.models import AuditEntry, Order, OrderItem, OrderStatus, Role, Service
from app.references import plural
from tests import factories

SINCE = date(2025, 1, 1)
AFTER = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
BEFORE = datetime(2024, 12, 1, 10, 0, tzinfo=UTC)
_seq = count(100)


def _service(name: str, flagged: bool) -> int:
    service = Service(name=name, price=Decimal("100.00"), service_book=flagged)
    db.session.add(service)
    db.session.commit()
    return service.id


def _order(ids: dict, service_id: int, *, status: str = OrderStatus.CLOSED.value,
           created_at: datetime = AFTER, flagged: bool = False,
           item_snapshot: bool = False) -> int:
    """An order with one item of service_id; the item's own flag is a snapshot of the past."""
    seq = next(_seq)
    service = db.session.get(Service, service_id)
    order = Order(number=f"ZL/2025/{seq:06d}", year=2025, seq=seq, status=status,
                  client_id=ids["client_id"], location_id=ids["location_id"],
                  device_id=ids["device_id"], technician_id=ids["technician_id"],
                  service_book=flagged, created_at=created_at)
    order.items.append(OrderItem(service_id=service_id, name=service.name,
                                 service_book=item_snapshot, performed_on=created_at.date()))
    db.session.add(order)
    db.session.commit()
    return order.id


def _flags(*order_ids: int) -> list[bool]:
    db.session.expire_all()
    return [db.session.get(Order, i).service_book for i in order_ids]


@pytest.fixture
def alfa(app_ctx, tenant_a):
    ids = factories.populate(tenant_a, "Alfa")
    with tenancy.use_tenant(tenant_a.id):
        ids["flagged"] = _service("Przegląd ustawowy", flagged=True)
        ids["plain"] = _service("Dojazd", flagged=False)
        yield tenant_a, ids


def test_flags_finished_and_current_orders_since_the_date(alfa):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        changed = [_order(ids, ids["flagged"], status=s) for s in
                   ("new", "started", "closed", "settled")]
        untouched = [
            _order(ids, ids["plain"]),
            _order(ids, ids["flagged"], created_at=BEFORE),
            _order(ids, ids["flagged"], status=OrderStatus.CANCELLED.value),
        ]
        already = _order(ids, ids["flagged"], flagged=True)
        user_id = factories.make_user(tenant, "biuro@alfa.pl")
        assert copy_service_book_flag(SINCE, user_id=user_id) == 4
        db.session.commit()
        assert _flags(*changed) == [True] * 4
        assert _flags(*untouched) == [False] * 3
        assert _flags(already) == [True]
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.service_book_set")).all()
        assert sorted(e.object_id for e in entries) == sorted(changed)
        assert {(e.object_type, e.user_id, e.tenant_id) for e in entries} == {
            ("order", user_id, tenant.id)}
        assert "01.01.2025" in entries[0].detail
        assert copy_service_book_flag(SINCE) == 0  # a second run finds nothing to do


def test_the_services_flag_now_decides_not_the_items_snapshot(alfa):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        flagged_now = _order(ids, ids["flagged"], item_snapshot=False)
        flagged_then = _order(ids, ids["plain"], item_snapshot=True)
        assert copy_service_book_flag(SINCE) == 1
        db.session.commit()
        assert _flags(flagged_now, flagged_then) == [True, False]


def test_one_flagged_item_among_others_is_enough_and_counts_the_order_once(alfa):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        order_id = _order(ids, ids["plain"])
        order = db.session.get(Order, order_id)
        for _ in range(2):
            order.items.append(OrderItem(service_id=ids["flagged"], name="Przegląd"))
        db.session.commit()
        assert copy_service_book_flag(SINCE) == 1
        db.session.commit()
        assert _flags(order_id) == [True]


def test_the_date_is_the_polish_calendar_day(alfa):
    tenant, ids = alfa
    midnight = datetime(2025, 1, 1, tzinfo=WARSAW)
    with tenancy.use_tenant(tenant.id):
        first_minute = _order(ids, ids["flagged"], created_at=midnight + timedelta(minutes=1))
        day_before = _order(ids, ids["flagged"], created_at=midnight - timedelta(minutes=1))
        assert copy_service_book_flag(SINCE) == 1
        db.session.commit()
        assert _flags(first_minute, day_before) == [True, False]


def test_another_tenants_orders_are_untouched(alfa, tenant_b):
    tenant, ids = alfa
    ids_b = factories.populate(tenant_b, "Beta")
    with tenancy.use_tenant(tenant_b.id):
        beta_service = _service("Przegląd Beta", flagged=True)
        beta_order = _order(ids_b, beta_service)
    with tenancy.use_tenant(tenant.id):
        alfa_order = _order(ids, ids["flagged"])
        assert copy_service_book_flag(SINCE) == 1
        db.session.commit()
        assert _flags(alfa_order) == [True]
    with tenancy.use_tenant(tenant_b.id):
        assert _flags(beta_order) == [False]
        assert db.session.scalars(select(AuditEntry.id).where(
            AuditEntry.action == "order.service_book_set")).all() == []


def test_the_version_moves_so_a_stale_edit_cannot_save_over_the_flag(alfa):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        order_id = _order(ids, ids["flagged"])
        version = db.session.get(Order, order_id).version
        copy_service_book_flag(SINCE)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Order, order_id).version == version + 1


@pytest.mark.parametrize(("n", "word"), [(0, "zleceń"), (1, "zlecenie"), (2, "zlecenia"),
                                         (4, "zlecenia"), (5, "zleceń"), (12, "zleceń"),
                                         (22, "zlecenia"), (25, "zleceń"), (101, "zleceń")])
def test_polish_plural(n, word):
    assert plural(n, "zlecenie", "zlecenia", "zleceń") == word


def test_two_years_ago_from_a_leap_day():
    assert years_ago(date(2028, 2, 29), 2) == date(2026, 2, 28)
    assert years_ago(date(2026, 5, 17), 2) == date(2024, 5, 17)


# The page


def test_page_runs_the_repair_and_says_how_many_orders_changed(app, client, alfa, login):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        for _ in range(2):
            _order(ids, ids["flagged"])
    login(tenant.owner_email)
    page = client.get("/administracja/naprawa-danych").get_data(as_text=True)
    default = years_ago(clock.today(), 2).strftime("%d.%m.%Y")
    assert f'value="{default}"' in page
    assert "zakończonych" in page and "bieżących" in page
    response = client.post("/administracja/naprawa-danych", data={"since": "2025-01-01"})
    assert response.status_code == 303
    assert "Zaktualizowano 2 zlecenia." in client.get(response.location).get_data(as_text=True)
    response = client.post("/administracja/naprawa-danych", data={"since": "01.01.2025"},
                           follow_redirects=True)
    assert "Zaktualizowano 0 zleceń." in response.get_data(as_text=True)


@pytest.mark.parametrize(("value", "message"), [
    ("", "Podaj datę, od której poprawić zlecenia."),
    ("   ", "Podaj datę, od której poprawić zlecenia."),
    ("2025-13-45", "Nie ma takiego dnia: 2025-13-45."),
    ("wczoraj", "Podaj datę, np. 31.12.2026."),
    ((clock.today() + timedelta(days=1)).isoformat(), "nie może być późniejsza niż dzisiejsza"),
])
def test_page_refuses_a_missing_or_bad_date(app, client, alfa, login, value, message):
    tenant, ids = alfa
    with tenancy.use_tenant(tenant.id):
        order_id = _order(ids, ids["flagged"])
    login(tenant.owner_email)
    response = client.post("/administracja/naprawa-danych", data={"since": value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with tenancy.use_tenant(tenant.id):
        assert _flags(order_id) == [False]


def test_office_may_and_technician_may_not(app, client, alfa, login):
    tenant, ids = alfa
    factories.make_user(tenant, "biuro@alfa.pl", Role.OFFICE)
    factories.make_user(tenant, "tech@alfa.pl", Role.TECHNICIAN)
    with tenancy.use_tenant(tenant.id):
        order_id = _order(ids, ids["flagged"])
    login("tech@alfa.pl")
    assert client.get("/administracja/naprawa-danych").status_code == 403
    response = client.post("/administracja/naprawa-danych", data={"since": "2025-01-01"})
    assert response.status_code == 403
    with tenancy.use_tenant(tenant.id):
        assert _flags(order_id) == [False]
    client.post("/logout")
    login("biuro@alfa.pl")
    response = client.post("/administracja/naprawa-danych", data={"since": "2025-01-01"},
                           follow_redirects=True)
    assert "Zaktualizowano 1 zlecenie." in response.get_data(as_text=True)
