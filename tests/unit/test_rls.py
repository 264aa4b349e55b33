"""PostgreSQL row-level security: the second wall behind app/tenancy.py. The tests connect as
the application's role (tests/conftest.py), which owns no table."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests import factories


@pytest.fixture
def pg(app, app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")


def test_the_application_role_owns_no_table(pg):
    with db.engine.connect() as conn:
        me = conn.execute(text("SELECT current_user")).scalar()
        owned = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                  "AND tableowner = current_user")).scalar()
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles "
                                      "WHERE rolname = current_user")).scalar()
    assert me == "plomba_app" and owned == 0 and superuser is False


def test_rls_refuses_rows_without_the_tenant_set(pg, tenant_a, tenant_b):
    factories.populate(tenant_a, "Alfa")
    factories.populate(tenant_b, "Beta")
    with db.engine.connect() as conn:  # raw SQL: app/tenancy.py is not in the way
        assert conn.execute(text("SELECT count(*) FROM party")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM service_order")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM tenant")).scalar() == 0
        conn.execute(text("SELECT set_config('plomba.tenant_id', :t, true)"),
                     {"t": str(tenant_a.id)})
        names = conn.execute(text("SELECT name FROM party ORDER BY name")).scalars().all()
        assert names == ["Klient Alfa", "Producent Alfa"]
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text("INSERT INTO service (tenant_id, name, price, vat_rate, "
                              "service_book, active, created_at, updated_at) VALUES "
                              "(:t, 'Obca', 0, '23', false, true, now(), now())"),
                         {"t": tenant_b.id})
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM party")).scalar() == 0


def test_an_update_without_a_tenant_changes_nothing(pg, tenant_a):
    factories.populate(tenant_a, "Alfa")
    with db.engine.begin() as conn:
        changed = conn.execute(text("UPDATE service SET name = 'zmieniona'")).rowcount
    assert changed == 0


def test_every_tenant_table_has_the_policy(pg):
    """A table added later with a tenant_id and no policy would be a hole in the second wall."""
    with db.engine.connect() as conn:
        tenant_tables = set(conn.execute(text(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'tenant_id'")).scalars())
        guarded = set(conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relrowsecurity AND p.polname = 'tenant_isolation'")).scalars())
    assert "user_session" in tenant_tables
    assert tenant_tables - guarded == set()
    # The settings are read once per statement (init-plans), not once per row.
    with db.engine.connect() as conn:
        per_row = conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE p.polname = 'tenant_isolation' AND (pg_get_expr(p.polqual, c.oid) "
            "NOT LIKE '%( SELECT current_setting(''plomba.all_tenants''%' OR "
            "pg_get_expr(p.polwithcheck, c.oid) NOT LIKE '%( SELECT (NULLIF(current_setting%')"
        )).scalars().all()
    assert per_row == []


def test_search_functions_see_only_the_tenant_of_the_setting(pg, tenant_a, tenant_b):
    """app/search.py's functions run as the owner (past the policies), so they must apply
    the tenant themselves: both tenants have device ZBF1801007587 and client "Klient …"."""
    a = factories.populate(tenant_a, "Alfa")
    b = factories.populate(tenant_b, "Beta")
    with db.engine.connect() as conn:
        def found(call, pattern, tenant):
            conn.execute(text("SELECT set_config('plomba.tenant_id', :t, false)"),
                         {"t": str(tenant) if tenant else ""})
            return set(conn.execute(text(f"SELECT id FROM {call}"), {"p": pattern}).scalars())

        devices, clients = "plomba_device_ids(:p, NULL)", "plomba_party_ids(:p, true, NULL)"
        assert found(devices, "%1801007%", tenant_a.id) == {a["device_id"]}
        assert found(devices, "%1801007%", tenant_b.id) == {b["device_id"]}
        assert found(devices, "%1801007%", None) == set()
        assert found(clients, "%klient%", tenant_b.id) == {b["client_id"]}
        assert found(clients, "%", None) == set()
        assert found("plomba_party_ids(:p, false, NULL)", "%beta%", tenant_b.id) == {
            b["client_id"], b["producer_id"]}
        # LIKE's own characters are escaped the way app/search.py writes them.
        assert found(clients, "%klient/_%", tenant_a.id) == set()
