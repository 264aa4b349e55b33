"""Who sees and acts on which order (app/orders/access.py), walked through every route that
carries an order or a transmission id, for every role, on one's own order, someone else's and
another tenant's. Routes are read from the URL map, so a new one is walked automatically; one
with a parameter this test cannot fill fails until it is taught here."""

import re

import pytest
from sqlalchemy import func, select

from app import clock, create_app, tenancy
from app.config import TestingConfig
from app.extensions import db
from app.main.dashboard import attention, recent_open_orders
from app.models import (
    AuditEntry,
    Order,
    OrderItem,
    Role,
    Technician,
    Transmission,
    User,
)
from tests import factories

# The parameters that point at an order (directly or through one of its parts).
ORDER_PARAMS = {"order_id", "transmission_id"}
FILLED_PARAMS = ORDER_PARAMS | {"item_id"}


def _order_rules():
    app = create_app({k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
                     | {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments & ORDER_PARAMS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((method, rule.rule))
    return rules


ORDER_RULES = _order_rules()


def test_the_walk_finds_the_order_and_transmission_routes():
    found = {rule for _method, rule in ORDER_RULES}
    assert "/zlecenia/<int:order_id>" in found
    assert "/wysylka/<int:transmission_id>/ponow" in found
    assert "/wysylka/zlecenie/<int:order_id>/odpowiedz" in found


def _url(rule: str, ids: dict[str, int]) -> str:
    def fill(match):
        name = match.group(1)
        assert name in FILLED_PARAMS, f"unknown URL parameter {name}: teach tests/orders/" \
                                      "test_access.py which record fills it"
        return str(ids[name])

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, rule)


def _second_order(tenant) -> dict[str, int]:
    """An order of another technician of the same tenant (Anna's), with an item and an event."""
    ids = tenant.ids
    with tenancy.use_tenant(tenant.id):
        technician = Technician(name="Anna Alfa", identifier="T-ANNA", seal_no="P-ANNA")
        db.session.add(technician)
        db.session.flush()
        year = clock.today().year
        order = Order(number=f"ZL/{year}/000002", year=year, seq=2, client_id=ids["client_id"],
                      location_id=ids["location_id"], device_id=ids["device_id"],
                      technician_id=technician.id, seal_no=technician.seal_no,
                      description="Zlecenie Anny", service_book=True)
        db.session.add(order)
        db.session.flush()
        item = OrderItem(order_id=order.id, service_id=ids["service_id"], name="Przegląd Anny",
                         special_kind="P", service_book=True, performed_on=clock.today())
        db.session.add(item)
        db.session.flush()
        transmission = Transmission(order_id=order.id, producer_id=ids["producer_id"],
                                    event_id=f"T{tenant.id}-O{order.id}-ANNA", kind="PU",
                                    status="rejected")
        db.session.add(transmission)
        db.session.commit()
        return {"technician_id": technician.id, "order_id": order.id, "item_id": item.id,
                "transmission_id": transmission.id}


@pytest.fixture
def world(app, tenant_a, tenant_b):
    """Tenant A: order 1 of Jan (technician A's), order 2 of Anna (technician B's); office staff
    and a technician account linked to no technician record. Tenant B: its own order."""
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        factories.populate(tenant_b, "Beta")
        jan = {k: tenant_a.ids[k] for k in FILLED_PARAMS}
        anna = _second_order(tenant_a)
        users = {"owner": tenant_a.owner_email, "office": "biuro@alfa.pl",
                 "technician_a": "jan@alfa.pl", "technician_b": "anna@alfa.pl",
                 "unlinked": "nikt@alfa.pl"}
        factories.make_user(tenant_a, users["office"], Role.OFFICE)
        jan_user = factories.make_user(tenant_a, users["technician_a"], Role.TECHNICIAN)
        anna_user = factories.make_user(tenant_a, users["technician_b"], Role.TECHNICIAN)
        factories.make_user(tenant_a, users["unlinked"], Role.TECHNICIAN)
        factories.link_technician(tenant_a, tenant_a.ids["technician_id"], jan_user)
        factories.link_technician(tenant_a, anna["technician_id"], anna_user)
    foreign = {k: tenant_b.ids[k] for k in FILLED_PARAMS}
    return {"tenant": tenant_a, "users": users, "orders": {"jan": jan, "anna": anna},
            "foreign": foreign}


# Whose orders each role gets to: owner and office all, a technician his own, the unlinked
# technician none.
SEES = {"owner": {"jan", "anna"}, "office": {"jan", "anna"}, "technician_a": {"jan"},
        "technician_b": {"anna"}, "unlinked": set()}


def _snapshot(app, tenant, order_id: int):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        order = db.session.get(Order, order_id)
        return (order.status, order.version, len(order.items),
                db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.object_type == "order",
                                         AuditEntry.object_id == order_id)),
                sorted(db.session.execute(select(Transmission.id, Transmission.status,
                                                 Transmission.attempts)
                                          .where(Transmission.order_id == order_id)).all()))


@pytest.mark.parametrize("role", list(SEES))
def test_ownership_walk(app, client, login, world, role):
    login(world["users"][role])
    problems = []
    hidden = [name for name in world["orders"] if name not in SEES[role]]
    before = {name: _snapshot(app, world["tenant"], world["orders"][name]["order_id"])
              for name in hidden}
    cases = [(name, ids, name in SEES[role]) for name, ids in world["orders"].items()]
    cases.append(("another tenant's", world["foreign"], False))
    for whose, ids, allowed in cases:
        for method, rule in ORDER_RULES:
            url = _url(rule, ids)
            status = client.open(url, method=method, data={}).status_code
            if status >= 500:
                problems.append(f"{method} {url} ({whose}): {status}")
            elif allowed and status == 404:
                problems.append(f"{method} {url} ({whose}): 404 for {role}, who may")
            elif not allowed and status != 404:
                problems.append(f"{method} {url} ({whose}): {status} for {role}, not 404")
    assert problems == []
    for name in hidden:  # nothing a refused request could have changed did change
        assert _snapshot(app, world["tenant"], world["orders"][name]["order_id"]) == \
            before[name]


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_journal_and_its_counts_show_a_technicians_own_orders_only(app, client, login, world):
    login(world["users"]["technician_a"])
    page = client.get("/wysylka").get_data(as_text=True)
    tenant = world["tenant"]
    with app.app_context(), tenancy.use_tenant(tenant.id):
        jan_event, anna_event = (
            db.session.get(Transmission, world["orders"][name]["transmission_id"]).event_id
            for name in ("jan", "anna"))
    assert jan_event in page and anna_event not in page
    # Jan's event waits, Anna's was rejected: his counts know nothing of hers.
    assert "Odrzucone: 0" in page and "Oczekuje: 1" in page
    filtered = client.get("/wysylka?status=rejected").get_data(as_text=True)
    assert anna_event not in filtered
    client.post("/logout")
    login(world["users"]["owner"])
    page = client.get("/wysylka").get_data(as_text=True)
    assert jan_event in page and anna_event in page
    assert "Odrzucone: 1" in page and "Oczekuje: 1" in page


def test_dashboard_counts_a_technicians_own_orders_only(app, world):
    tenant = world["tenant"]
    with app.app_context(), tenancy.use_tenant(tenant.id):
        today = clock.today()
        jan = attention(_user(world["users"]["technician_a"]), today)
        owner = attention(_user(world["users"]["owner"]), today)
        nobody = attention(_user(world["users"]["unlinked"]), today)
        assert jan.open_orders == 1 and owner.open_orders == 2 and nobody.open_orders == 0
        assert jan.transmissions_by_status == {"pending": 1}
        assert owner.transmissions_by_status == {"pending": 1, "rejected": 1}
        assert nobody.transmissions_by_status == {}
        assert [o.number for o in recent_open_orders(_user(world["users"]["technician_b"]))] \
            == [f"ZL/{today.year}/000002"]
        assert recent_open_orders(_user(world["users"]["unlinked"])) == []


@pytest.mark.parametrize("role", ["technician_a", "technician_b", "unlinked"])
def test_batch_send_is_refused_to_technicians(client, login, world, redis_client, role):
    login(world["users"][role])
    producer_id = world["tenant"].ids["producer_id"]
    jobs = set(redis_client.keys("rq:job:*"))
    response = client.post(f"/wysylka/producent/{producer_id}/wyslij",
                           data={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 403
    assert set(redis_client.keys("rq:job:*")) == jobs  # nothing was started
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert f"/wysylka/producent/{producer_id}/wyslij" not in page  # nor offered


@pytest.mark.parametrize("role", ["owner", "office"])
def test_batch_send_is_started_by_owner_and_office(client, login, world, redis_client, role):
    login(world["users"][role])
    producer_id = world["tenant"].ids["producer_id"]
    response = client.post(f"/wysylka/producent/{producer_id}/wyslij",
                           data={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 303 and "job=" in response.headers["Location"]
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert f"/wysylka/producent/{producer_id}/wyslij" in page
