"""app/prepared_statements.py: a transaction that only read ends with COMMIT (its connection
keeps psycopg's prepared statements); one that wrote anything is still rolled back."""

import pytest
from sqlalchemy import create_engine, select, text

from app import tenancy
from app.extensions import db
from app.models import Service
from tests import factories


@pytest.fixture
def pg(app, app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")


@pytest.fixture
def one_connection(app, app_ctx):
    """An engine of one pooled connection as the application's role: every transaction below
    runs on the same server session."""
    engine = create_engine(db.engine.url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _prepared(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def test_reads_ended_by_rollback_keep_the_statements_prepared(pg, one_connection, tenant_a):
    for _ in range(8):  # psycopg prepares a statement on its sixth run
        with one_connection.connect() as conn:
            conn.execute(text("SELECT set_config('plomba.tenant_id', :t, true)"),
                         {"t": str(tenant_a.id)})
            conn.execute(text("SELECT count(*) FROM party")).scalar()
            conn.rollback()
    with one_connection.connect() as conn:
        assert _prepared(conn) >= 2


def test_the_tenant_setting_still_ends_with_the_transaction(pg, one_connection, tenant_a):
    factories.populate(tenant_a, "Alfa")
    with one_connection.connect() as conn:
        conn.execute(text("SELECT set_config('plomba.tenant_id', :t, true)"),
                     {"t": str(tenant_a.id)})
        assert conn.execute(text("SELECT count(*) FROM party")).scalar() == 2
        conn.rollback()  # committed underneath: set_config(..., true) is the transaction's
        assert conn.execute(text("SELECT count(*) FROM party")).scalar() == 0


def test_a_write_through_the_orm_is_rolled_back(app_ctx, tenant_a):
    with tenancy.use_tenant(tenant_a.id):
        db.session.add(Service(name="Niezatwierdzona", price=0, vat_rate="23"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(Service).where(Service.name == "Niezatwierdzona")) is None


def test_a_write_past_sqlalchemy_is_rolled_back(app_ctx, tenant_a):
    """Written on the driver's own cursor (no SQLAlchemy event sees it): the server's
    transaction id is what tells a write, so this one is rolled back too."""
    with tenancy.use_tenant(tenant_a.id):
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))  # the transaction (and its tenant) is open
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("UPDATE tenant SET name = 'Zmieniona' WHERE id = %s"
                       if db.engine.dialect.name == "postgresql" else
                       "UPDATE tenant SET name = 'Zmieniona' WHERE id = ?", (tenant_a.id,))
        cursor.close()
        db.session.rollback()
    with tenancy.all_tenants():
        name = db.session.scalar(text("SELECT name FROM tenant WHERE id = :i"),
                                 {"i": tenant_a.id})
    assert name != "Zmieniona"


def test_a_failed_transaction_is_rolled_back_and_the_session_goes_on(pg, tenant_a):
    with tenancy.use_tenant(tenant_a.id):
        with pytest.raises(Exception, match="division by zero"):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.execute(text("SELECT 2")).scalar() == 2
