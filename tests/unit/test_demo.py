"""The demo tenant: counts, valid identifiers, consistent orders and devices."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import clock, secrets, tenancy
from app.accounts.passwords import verify_password
from app.days import add_months
from app.demo import (
    DEMO_PRODUCERS,
    DEMO_TECHNICIANS,
    DemoInfo,
    seed_demo,
)
from app.extensions import db
from app.identifiers import (
    normalize_factory_no,
    normalize_nip,
    normalize_regon,
    normalize_unique_no,
)
from app.main.dashboard import attention
from app.models import (
    Authorisation,
    Device,
    Location,
    Order,
    OrderBook,
    OrderCounter,
    OrderItem,
    Party,
    Role,
    Service,
    Technician,
    Tenant,
    User,
)
from app.textfold import fold

TABLES = (Tenant, User, Party, Location, Device, Technician, Authorisation, Service, Order,
          OrderItem, OrderBook, OrderCounter)


@pytest.fixture
def demo(app) -> DemoInfo:
    with app.app_context():
        info = seed_demo(email="Demo@Example.com", password="demo-plomba-2026")
        db.session.remove()
    return info


@pytest.fixture
def ctx(app, demo):
    with app.app_context(), tenancy.use_tenant(demo.tenant_id):
        yield
        db.session.remove()


def _all(model):
    return db.session.scalars(select(model).order_by(model.id)).all()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_counts_and_catalogue(demo, ctx):
    assert demo.nip == normalize_nip(demo.nip)
    parties = _all(Party)
    assert sum(p.is_producer for p in parties) == 3
    assert sum(p.is_client for p in parties) == 40
    assert not any(p.is_producer and p.is_client for p in parties)
    assert _count(Device) == 120
    assert _count(Technician) == 6
    assert _count(Order) == 400
    kinds = {s.special_kind for s in _all(Service)}
    assert {"P", "F", "L", "W"} <= kinds
    assert all(s.price > 0 and s.vat_rate == "23" for s in _all(Service))
    locations = Counter(loc.client_id for loc in _all(Location))
    assert all(1 <= locations[p.id] <= 3 for p in parties if p.is_client)


def test_users_and_roles(demo, ctx):
    users = {u.email: u for u in _all(User)}
    assert {e: u.role for e, u in users.items()} == {
        "demo@example.com": "owner", "biuro@example.com": "office",
        "serwisant@example.com": "technician"}
    assert all(verify_password(u.password_hash, "demo-plomba-2026") for u in users.values())
    linked = [t for t in _all(Technician) if t.user_id is not None]
    assert [t.user_id for t in linked] == [users["serwisant@example.com"].id]


def test_identifiers_are_valid(demo, ctx):
    parties = _all(Party)
    assert len({p.nip for p in parties}) == len(parties)
    for party in parties:
        assert normalize_nip(party.nip) == party.nip
        assert normalize_regon(party.regon) == party.regon
        assert party.name_key == fold(party.name)
    producers = {p.id: p for p in parties if p.is_producer}
    devices = _all(Device)
    for device in devices:
        producer = producers[device.producer_id]
        assert normalize_unique_no(device.unique_no, producer.unique_prefixes) == \
            device.unique_no
        assert normalize_factory_no(device.factory_no, producer.factory_masks) == \
            device.factory_no
        assert len(device.registration_no) <= 14
    assert any(len(d.unique_no) == 11 for d in devices)  # a few older devices
    assert len({d.unique_no for d in devices}) == len({d.factory_no for d in devices}) == 120
    for technician in _all(Technician):
        assert len(technician.identifier) <= 20


def test_producers_match_the_constant(demo, ctx):
    producers = {p.nip: p for p in _all(Party) if p.is_producer}
    for spec in DEMO_PRODUCERS:
        producer = producers[spec.nip]
        assert producer.api_url == f"http://127.0.0.1:5050/{spec.code}"
        assert producer.api_login == spec.api_login
        assert secrets.decrypt(producer.api_key_encrypted) == spec.api_key
        assert producer.online is spec.online
        assert producer.unique_prefixes == list(spec.unique_prefixes)
    assert {t.seal_no for t in _all(Technician)} == {t.seal_no for t in DEMO_TECHNICIANS}


def test_demo_producers_follow_the_emulators_port(app, demo, monkeypatch):
    """`make run --emulator-port 5057` on data seeded by an earlier run on 5050: the CLI's
    seed-demo --if-empty points the demo producers at the new port."""
    monkeypatch.setenv("PLOMBA_DEMO_RZS_URL", "http://127.0.0.1:5057")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "3 zmienionych" in result.output, result.output
    with app.app_context(), tenancy.use_tenant(demo.tenant_id):
        urls = {p.api_url for p in _all(Party) if p.is_producer}
    assert urls == {f"http://127.0.0.1:5057/{spec.code}" for spec in DEMO_PRODUCERS}


def test_orders_are_consistent(demo, ctx):
    orders = _all(Order)
    devices = {d.id: d for d in _all(Device)}
    technicians = {t.id: t for t in _all(Technician)}
    items = Counter()
    totals: dict[int, Decimal] = {}
    flagged_items: dict[int, bool] = {}
    for item in _all(OrderItem):
        items[item.order_id] += 1
        totals[item.order_id] = totals.get(item.order_id, Decimal(0)) + item.quantity * item.price
        flagged_items[item.order_id] = flagged_items.get(item.order_id, False) or \
            item.service_book
        assert item.performed_on is not None
    books = {b.order_id for b in _all(OrderBook)}

    assert len({o.number for o in orders}) == 400
    per_year = Counter(o.year for o in orders)
    assert {c.year: c.last_seq for c in _all(OrderCounter)} == dict(per_year)
    statuses = Counter(o.status for o in orders)
    assert statuses["settled"] + statuses["closed"] > 300
    assert 10 <= statuses["new"] + statuses["started"] <= 20
    assert statuses["cancelled"] >= 1
    for order in orders:
        assert order.number == f"ZL/{order.year}/{order.seq:06d}"
        assert order.seq <= per_year[order.year]
        device = devices[order.device_id]
        assert (order.client_id, order.location_id) == (device.client_id, device.location_id)
        assert order.seal_no == technicians[order.technician_id].seal_no
        assert order.service_book == flagged_items.get(order.id, False)
        assert (order.id in books) == order.service_book
        if order.status != "cancelled":
            assert 1 <= items[order.id] <= 3
        stamps = [order.created_at, order.started_at, order.finished_at, order.closed_at,
                  order.settled_at]
        present = [s for s in stamps if s is not None]
        assert present == sorted(present) and all(s.tzinfo is not None for s in present)
        if order.status == "settled":
            assert order.settlement_doc_no.startswith("FV/")
            assert order.settlement_total == totals[order.id].quantize(Decimal("0.01"))
            assert order.settlement_date == order.settled_at.date()
        if order.status in ("new", "started"):
            assert order.created_at.date() >= clock.today() - timedelta(days=30)


def test_devices_follow_their_inspections(demo, ctx):
    last_p: dict[int, date] = {}
    rows = db.session.execute(
        select(Order.device_id, OrderItem.performed_on)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(OrderItem.special_kind == "P", Order.status.in_(["closed", "settled"]))
    ).all()
    for device_id, day in rows:
        last_p[device_id] = max(day, last_p.get(device_id, day))
    statuses = Counter()
    for device in _all(Device):
        statuses[device.status] += 1
        assert device.inspection_interval_months in (12, 24)
        assert device.last_inspection_on == last_p.get(device.id)
        if device.status == "liquidated":  # no inspection is due any more
            assert device.next_inspection_due is None
        elif device.last_inspection_on:
            assert device.next_inspection_due == add_months(
                device.last_inspection_on, device.inspection_interval_months)
        elif device.fiscalized_on:  # the first inspection counts from fiscalization
            assert device.next_inspection_due == add_months(
                device.fiscalized_on, device.inspection_interval_months)
        else:
            assert device.next_inspection_due is None
        if device.status == "liquidated":
            assert device.liquidated_on is not None
        if device.status != "new":
            assert device.fiscalized_on is not None
    assert statuses["fiscalized"] > 90 and statuses["new"] >= 3 and statuses["liquidated"] >= 3
    seen = attention(SimpleNamespace(role=Role.OWNER.value, id=None), clock.today())
    assert seen.inspections_overdue > 0 and seen.inspections_due_soon > 0
    assert seen.authorisations_expired == 1 and seen.authorisations_expiring == 1


def test_same_email_again_is_refused_and_writes_nothing(app, demo):
    def counts():
        with app.app_context(), tenancy.all_tenants():
            return [_count(model) for model in TABLES]

    before = counts()
    with app.app_context(), pytest.raises(ValueError, match="demo@example.com"):
        seed_demo(email="demo@example.com", password="inne-haslo-1")
    assert counts() == before


def test_failure_half_way_leaves_nothing(app, monkeypatch):
    import app.demo as demo_module

    def broken(order):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo_module, "_description", broken)
    with app.app_context(), pytest.raises(RuntimeError, match="boom"):
        seed_demo()
    with app.app_context(), tenancy.all_tenants():
        assert [_count(model) for model in TABLES] == [0] * len(TABLES)


def test_is_deterministic(app, demo):
    def snapshot(tenant_id):
        with app.app_context(), tenancy.use_tenant(tenant_id):
            return ([(d.unique_no, d.factory_no, d.next_inspection_due) for d in _all(Device)],
                    [(o.number, o.status, o.settlement_total) for o in _all(Order)])

    first = snapshot(demo.tenant_id)
    with app.app_context(), tenancy.all_tenants():
        # the staff e-mails are global: free them to seed a second tenant
        for user in db.session.scalars(select(User).where(User.role != "owner")):
            user.email = f"old-{user.email}"
        db.session.commit()
    with app.app_context():
        second = seed_demo(email="demo2@example.com", password="demo-plomba-2026")
    assert second.tenant_id != demo.tenant_id and second.nip != demo.nip
    assert snapshot(second.tenant_id) == first
