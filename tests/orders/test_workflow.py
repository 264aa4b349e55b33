"""The order's state machine, exhaustively, and what closing does to the device."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock, tenancy
from app.extensions import db
from app.models import (
    AuditEntry,
    Authorisation,
    Device,
    Order,
    OrderItem,
    Party,
    Service,
    Transmission,
)
from app.orders import workflow
from app.orders.workflow import ACTIONS, TRANSITIONS, Actor, WorkflowError
from tests import factories

STATES = ("new", "started", "closed", "settled", "cancelled")
OWNER = Actor(None, "owner")
TECH = Actor(None, "technician")
NOW = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)


@pytest.fixture
def tenant(app_ctx, tenant_a):
    factories.populate(tenant_a, "Alfa")
    with tenancy.use_tenant(tenant_a.id):
        yield tenant_a


def _order(tenant) -> Order:
    return db.session.get(Order, tenant.ids["order_id"])


def _put_in_state(order: Order, state: str) -> None:
    order.status = state
    if state != "new":
        order.started_at = NOW - timedelta(hours=1)
    if state in ("closed", "settled"):
        order.closed_at = NOW
    db.session.commit()


def _run(action: str, order: Order, actor=OWNER):
    if action == "settle":
        return workflow.settle(actor, order, doc_no="FV/1/2026", doc_date=None, now=NOW)
    if action in ("start", "close", "cancel"):
        return getattr(workflow, action)(actor, order, now=NOW)
    return getattr(workflow, action)(actor, order)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(tenant, state, action):
    order = _order(tenant)
    _put_in_state(order, state)
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    sources, target = TRANSITIONS[action]
    if state in sources:
        _run(action, order)
        workflow.commit()
        assert _order(tenant).status == target
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) > audits
    else:
        with pytest.raises(WorkflowError) as error:
            _run(action, order)
        db.session.rollback()
        assert error.value.message  # a message for the user, in Polish
        assert _order(tenant).status == state
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_expected_transition_table():
    allowed = {(a, s) for a, (sources, _t) in TRANSITIONS.items() for s in sources}
    assert allowed == {("start", "new"), ("close", "started"), ("settle", "started"),
                       ("settle", "closed"), ("cancel", "new"), ("cancel", "started"),
                       ("reopen", "closed")}


def test_messages_for_illegal_transitions(tenant):
    order = _order(tenant)
    _put_in_state(order, "cancelled")
    with pytest.raises(WorkflowError, match="Tej czynności nie można wykonać na zleceniu "
                                            "o stanie „anulowane”"):
        workflow.close(OWNER, order)
    _put_in_state(order, "new")
    with pytest.raises(WorkflowError, match="nie zostało rozpoczęte"):
        workflow.settle(OWNER, order, doc_no="FV/1", doc_date=None)


def test_double_close_has_no_second_effect(tenant):
    order = _order(tenant)
    _put_in_state(order, "started")
    workflow.close(OWNER, order, now=NOW)
    workflow.commit()
    closed_at = order.closed_at
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(WorkflowError, match="Zlecenie jest już zamknięte."):
        workflow.close(OWNER, order, now=NOW + timedelta(seconds=1))
    db.session.rollback()
    assert _order(tenant).closed_at == closed_at
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_reopen_only_for_owner_and_office_and_voids_pending(tenant):
    order = _order(tenant)
    _put_in_state(order, "closed")
    with pytest.raises(WorkflowError, match="właściciel lub biuro"):
        workflow.reopen(TECH, order)
    db.session.rollback()
    assert "reopen" not in workflow.available_actions(order, "technician")
    assert "reopen" in workflow.available_actions(order, "office")
    voided = workflow.reopen(Actor(None, "office"), order)
    workflow.commit()
    assert voided == 1
    assert db.session.scalar(select(Transmission.status)) == "void"
    assert _order(tenant).status == "started" and _order(tenant).closed_at is None


def test_close_needs_items_dates_and_technician(tenant):
    order = _order(tenant)
    _put_in_state(order, "started")
    order.items[0].performed_on = None
    with pytest.raises(WorkflowError, match="Uzupełnij datę wykonania"):
        workflow.close(OWNER, order)
    db.session.rollback()
    order = _order(tenant)
    for item in list(order.items):
        workflow.remove_item(OWNER, order, item)
    order.technician_id = None
    db.session.flush()
    db.session.expire(order)
    with pytest.raises(WorkflowError) as error:
        workflow.close(OWNER, order)
    assert "Dodaj co najmniej jedną pozycję" in error.value.message
    assert "Wybierz serwisanta" in error.value.message
    db.session.rollback()
    assert _order(tenant).status == "started"


def test_settle_from_started_closes_on_the_way_and_records_total(tenant):
    order = _order(tenant)
    _put_in_state(order, "started")
    workflow.add_item(OWNER, order, service_id=tenant.ids["service_id"], quantity=Decimal("2"),
                      price=Decimal("10.50"), vat_rate=None, performed_on=date(2026, 11, 19))
    workflow.settle(OWNER, order, doc_no=" FV/77/2026 ", doc_date=date(2026, 11, 21), now=NOW)
    workflow.commit()
    order = _order(tenant)
    assert (order.status, order.settlement_doc_no, order.settlement_date) == (
        "settled", "FV/77/2026", date(2026, 11, 21))
    assert order.settlement_total == Decimal("171.00")  # 150.00 + 2 x 10.50
    assert order.closed_at == NOW and order.finished_at == NOW
    with pytest.raises(WorkflowError, match="Podaj numer dokumentu"):
        _put_in_state(order, "closed")
        workflow.settle(OWNER, order, doc_no="", doc_date=None)


def test_no_order_on_a_liquidated_device(tenant):
    device = db.session.get(Device, tenant.ids["device_id"])
    device.status = "liquidated"
    db.session.commit()
    with pytest.raises(WorkflowError, match="zlikwidowane"):
        workflow.create_order(OWNER, client_id=tenant.ids["client_id"], location_id=None,
                              device_id=device.id, technician_id=None)
    with pytest.raises(WorkflowError, match="zlikwidowane"):
        workflow.start(OWNER, _order(tenant))


def test_order_numbers_per_year_never_reused(tenant):
    ids = tenant.ids
    numbers = []
    now = clock.now()
    y = clock.business_date(now).year
    for when in (now, now, datetime(y + 1, 1, 2, tzinfo=UTC), now):
        order = workflow.create_order(OWNER, client_id=ids["client_id"], location_id=None,
                                      device_id=ids["device_id"], technician_id=None, now=when)
        numbers.append(order.number)
        db.session.commit()
    db.session.delete(db.session.scalar(select(Order).where(Order.number == numbers[-1])))
    db.session.commit()
    again = workflow.create_order(OWNER, client_id=ids["client_id"], location_id=None,
                                  device_id=ids["device_id"], technician_id=None, now=now)
    # The tenant's first order of the year is ZL/<year>/000001 (tests/factories.py).
    assert numbers == [f"ZL/{y}/000002", f"ZL/{y}/000003", f"ZL/{y + 1}/000001",
                       f"ZL/{y}/000004"]
    assert again.number == f"ZL/{y}/000005"


def test_create_order_checks_the_parts_belong_together(tenant, tenant_b):
    ids = tenant.ids
    with pytest.raises(WorkflowError, match="Wybierz klienta."):
        workflow.create_order(OWNER, client_id=ids["producer_id"], location_id=None,
                              device_id=ids["device_id"], technician_id=None)
    other = Party(name="Inny klient", name_key="inny klient", nip="1234563218")
    db.session.add(other)
    db.session.flush()
    with pytest.raises(WorkflowError, match="urządzenie tego klienta"):
        workflow.create_order(OWNER, client_id=other.id, location_id=None,
                              device_id=ids["device_id"], technician_id=None)
    with pytest.raises(WorkflowError, match="miejsce instalacji tego klienta"):
        workflow.create_order(OWNER, client_id=ids["client_id"], location_id=999,
                              device_id=ids["device_id"], technician_id=None)
    order = workflow.create_order(OWNER, client_id=ids["client_id"], location_id=None,
                                  device_id=ids["device_id"], technician_id=ids["technician_id"])
    assert order.location_id == ids["location_id"]  # the device's site by default
    assert order.seal_no == "P-Alfa"


def test_adding_a_flagged_service_sets_the_order_flag_and_audits(tenant):
    order = _order(tenant)
    order.service_book = False
    plain = Service(name="Dojazd", price=Decimal("40"), service_book=False)
    db.session.add(plain)
    db.session.commit()
    workflow.add_item(OWNER, order, service_id=plain.id, quantity=Decimal(1), price=None,
                      vat_rate=None, performed_on=None)
    assert order.service_book is False
    workflow.add_item(OWNER, order, service_id=tenant.ids["service_id"], quantity=Decimal(1),
                      price=None, vat_rate=None, performed_on=None)
    assert order.service_book is True
    workflow.set_service_book(OWNER, order, False)
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == ["order.item_added", "order.item_added", "order.service_book",
                            "order.service_book"]
    details = db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "order.service_book").order_by(AuditEntry.id)).all()
    assert details == ["zaznaczono (usługa „Przegląd Alfa”)", "odznaczono"]


def test_closed_order_is_not_editable(tenant):
    order = _order(tenant)
    _put_in_state(order, "closed")
    with pytest.raises(WorkflowError, match="Otwórz je ponownie"):
        workflow.add_item(OWNER, order, service_id=tenant.ids["service_id"], quantity=1,
                          price=None, vat_rate=None, performed_on=None)
    with pytest.raises(WorkflowError):
        workflow.save_book(OWNER, order, {"fault": "x"})
    with pytest.raises(WorkflowError):
        workflow.set_service_book(OWNER, order, False)


# --- effects on the device -------------------------------------------------------------------

def _close_with(tenant, kinds_dates):
    order = _order(tenant)
    _put_in_state(order, "started")
    for item in list(order.items):
        workflow.remove_item(OWNER, order, item)
    for kind, day in kinds_dates:
        service = Service(name=f"Usługa {kind}", special_kind=kind, service_book=True)
        db.session.add(service)
        db.session.flush()
        workflow.add_item(OWNER, order, service_id=service.id, quantity=1, price=None,
                          vat_rate=None, performed_on=day)
    warnings = workflow.close(OWNER, order, now=NOW)
    workflow.commit()
    return db.session.get(Device, tenant.ids["device_id"]), warnings


def test_close_with_inspection_moves_the_due_date(tenant):
    device, _ = _close_with(tenant, [("P", date(2026, 1, 31))])
    assert device.last_inspection_on == date(2026, 1, 31)
    assert device.next_inspection_due == date(2028, 1, 31)


def test_close_with_fiscalization_and_memory_replacement(tenant):
    device, _ = _close_with(tenant, [("F", date(2026, 11, 3)), ("W", date(2026, 11, 4))])
    assert (device.status, device.fiscalized_on, device.memory_replaced_on) == (
        "fiscalized", date(2026, 11, 3), date(2026, 11, 4))
    assert device.next_inspection_due == date(2028, 11, 3)  # two years after fiscalization


def test_close_with_liquidation(tenant):
    device, _ = _close_with(tenant, [("L", date(2026, 11, 5))])
    assert (device.status, device.liquidated_on) == ("liquidated", date(2026, 11, 5))


def test_an_older_inspection_does_not_move_the_date_back(tenant):
    device = db.session.get(Device, tenant.ids["device_id"])
    device.last_inspection_on, device.inspection_interval_months = date(2026, 6, 1), 12
    db.session.commit()
    device, _ = _close_with(tenant, [("P", date(2025, 6, 1))])
    assert device.last_inspection_on == date(2026, 6, 1)
    assert device.next_inspection_due == date(2027, 6, 1)


def test_expired_authorisation_warns_but_closes_and_is_audited(tenant):
    authorisation = db.session.get(Authorisation, tenant.ids["authorisation_id"])
    authorisation.expires_on = date(2026, 1, 1)
    db.session.commit()
    order = _order(tenant)
    _put_in_state(order, "started")
    assert "wygasły 01.01.2026" in workflow.authorisation_warning(order, NOW.date())
    warnings = workflow.close(OWNER, order, now=NOW)
    workflow.commit()
    assert _order(tenant).status == "closed" and len(warnings) == 1
    detail = db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "order.close"))
    assert "ostrzeżenie: Uprawnienia serwisanta Jan Alfa" in detail


def test_technician_without_any_authorisation_is_warned(tenant):
    db.session.delete(db.session.get(Authorisation, tenant.ids["authorisation_id"]))
    db.session.commit()
    order = _order(tenant)
    assert "nie ma uprawnień" in workflow.authorisation_warning(order, NOW.date())


def test_items_snapshot_the_catalogue(tenant):
    service = db.session.get(Service, tenant.ids["service_id"])
    service.name, service.price = "Nowa nazwa", Decimal("999")
    db.session.commit()
    item = db.session.get(OrderItem, tenant.ids["item_id"])
    assert (item.name, item.price) == ("Przegląd Alfa", Decimal("150.00"))
