"""PostgreSQL row-level security on every tenant table: a second wall behind app/tenancy.py

Each tenant table admits only the rows of the tenant named by the transaction's
`plomba.tenant_id` setting (app/tenancy.py sets it), or every row while `plomba.all_tenants`
is on (the operator console, sign-in's look-up, the sweeper). Owners of the tables bypass
row-level security: the application must connect as a role that owns no tables (README,
"Production"); the migrations run as the owner.

Revision ID: e5b8c2d7f319
Revises: d7e2a9c41b06
Create Date: 2026-11-25 13:45:00
"""
from alembic import op

revision = "e5b8c2d7f319"
down_revision = "d7e2a9c41b06"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "audit_entry", "authorisation", "device", "location", "order_book", "order_counter",
    "order_item", "party", "service", "service_order", "technician", "transmission",
    "user_account",
)
ALL = "current_setting('plomba.all_tenants', true) = 'on'"
CURRENT = "NULLIF(current_setting('plomba.tenant_id', true), '')::integer"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} "
                   f"USING ({ALL} OR tenant_id = {CURRENT}) "
                   f"WITH CHECK ({ALL} OR tenant_id = {CURRENT})")
    op.execute("ALTER TABLE tenant ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON tenant USING ({ALL} OR id = {CURRENT}) "
               f"WITH CHECK ({ALL} OR id = {CURRENT})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*TENANT_TABLES, "tenant"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
