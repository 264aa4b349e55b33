"""The tenant criterion is on every kind of statement, and missing tenant fails closed."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app import tenancy
from app.extensions import db
from app.models import AuditEntry, Device, Location, Order, Party, Service, Tenant
from tests import factories


@pytest.fixture
def two(app_ctx, tenant_a, tenant_b):
    factories.populate(tenant_a, "Alfa")
    factories.populate(tenant_b, "Beta")
    return tenant_a, tenant_b


def _sql_log(monkeypatch):
    seen: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_select_sees_only_current_tenant(two):
    a, b = two
    with tenancy.use_tenant(a.id):
        names = db.session.scalars(select(Party.name)).all()
        assert names and all("Alfa" in n for n in names)
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.scalars(select(Tenant.name)).all() == ["Serwis Alfa"]


def test_criterion_in_compiled_sql_of_select_join_and_relationship_loads(two, monkeypatch):
    a, b = two
    seen, stop = _sql_log(monkeypatch)
    try:
        with tenancy.use_tenant(a.id):
            db.session.scalars(select(Device)).all()
            db.session.execute(
                select(Order.number, Party.name).join(Party, Order.client_id == Party.id)
            ).all()
            db.session.scalars(select(Order).options(selectinload(Order.items))).all()
            db.session.scalars(select(Order).options(joinedload(Order.device))).unique().all()
            db.session.expunge_all()
            order = db.session.scalars(select(Order)).one()
            seen.clear()
            _ = order.client.name  # lazy many-to-one
            _ = order.items  # lazy one-to-many
            _ = order.client.locations
    finally:
        stop()
    relationship_sql = "\n".join(seen)
    assert "party.tenant_id" in relationship_sql
    assert "order_item.tenant_id" in relationship_sql
    assert "location.tenant_id" in relationship_sql


def test_criterion_in_sql_of_plain_select_and_join(two, monkeypatch):
    a, _ = two
    seen, stop = _sql_log(monkeypatch)
    try:
        with tenancy.use_tenant(a.id):
            db.session.scalars(select(Device)).all()
            plain = seen[-1]
            rows = db.session.execute(
                select(Order.number, Location.city).join(Location, Order.location_id == Location.id)
            ).all()
            joined = seen[-1]
    finally:
        stop()
    assert "device.tenant_id" in plain
    assert "service_order.tenant_id" in joined and "location.tenant_id" in joined
    assert len(rows) == 1


def test_no_tenant_fails_closed(two):
    with pytest.raises(tenancy.TenancyError):
        db.session.scalars(select(Order)).all()
    with pytest.raises(tenancy.TenancyError):
        db.session.scalar(select(func.count()).select_from(Device))
    with pytest.raises(tenancy.TenancyError):
        db.session.get(Service, 1)


def test_get_by_id_of_other_tenant_is_none(two):
    a, b = two
    with tenancy.use_tenant(b.id):
        assert db.session.get(Order, a.ids["order_id"]) is None
        assert db.session.get(Device, a.ids["device_id"]) is None
        assert db.session.get(Device, b.ids["device_id"]) is not None


def test_bulk_update_and_delete_are_scoped(two):
    a, b = two
    from sqlalchemy import delete, update

    with tenancy.use_tenant(b.id):
        db.session.execute(update(Service).values(name="changed"))
        db.session.execute(delete(AuditEntry))
        db.session.commit()
    with tenancy.use_tenant(a.id):
        assert db.session.scalar(select(Service.name)) == "Przegląd Alfa"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    with tenancy.use_tenant(b.id):
        assert db.session.scalar(select(Service.name)) == "changed"


def test_new_rows_are_stamped_and_cross_tenant_writes_refused(two):
    a, b = two
    with tenancy.use_tenant(a.id):
        service = Service(name="Nowa usługa")
        db.session.add(service)
        db.session.commit()
        assert service.tenant_id == a.id
        db.session.add(Service(name="Obca", tenant_id=b.id))
        with pytest.raises(tenancy.TenancyError):
            db.session.flush()
        db.session.rollback()
    db.session.add(Service(name="Bez firmy"))
    with pytest.raises(tenancy.TenancyError):
        db.session.flush()
    db.session.rollback()


def test_all_tenants_is_the_explicit_opt_out(two):
    with tenancy.all_tenants():
        names = set(db.session.scalars(select(Tenant.name)))
    assert names == {"Serwis Alfa", "Serwis Beta"}
