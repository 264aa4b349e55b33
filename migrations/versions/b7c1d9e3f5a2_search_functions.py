"""Fragment searches that keep their trigram indexes under row-level security (PostgreSQL)

With the policies of e5b8c2d7f319 on, PostgreSQL evaluates a non-leakproof operator such as
LIKE only on rows the policy has admitted, so the pg_trgm indexes of c3a1f0b2d4e5 are never
used for the application's role: searching a fragment of a device number or a client name
became a sequential scan. These functions run the search as the tables' owner (SECURITY
DEFINER), restricted to the tenant named by the transaction's `plomba.tenant_id` setting,
which is what the policies themselves read: no setting, no rows. EXECUTE plans each call for
its actual pattern (a one-letter fragment scans, a longer one uses the index). app/search.py
calls them.

Revision ID: b7c1d9e3f5a2
Revises: f3c9a7d21e64
Create Date: 2026-11-25 15:30:00
"""
from alembic import op

revision = "b7c1d9e3f5a2"
down_revision = "f3c9a7d21e64"
branch_labels = None
depends_on = None

TENANT = "NULLIF(current_setting('plomba.tenant_id', true), '')::integer"

DEVICE_IDS = f"""
CREATE OR REPLACE FUNCTION plomba_device_ids(pattern text, max_rows integer)
RETURNS TABLE (id integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT d.id FROM public.device d WHERE d.tenant_id = $1 '
        'AND d.unique_no LIKE $2 ESCAPE ''/'' '
        'UNION SELECT d.id FROM public.device d WHERE d.tenant_id = $1 '
        'AND d.factory_no LIKE $2 ESCAPE ''/'' LIMIT $3'
        USING {TENANT}, pattern, max_rows;
END $$
"""

PARTY_IDS = f"""
CREATE OR REPLACE FUNCTION plomba_party_ids(pattern text, clients_only boolean,
                                            max_rows integer)
RETURNS TABLE (id integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT p.id FROM public.party p WHERE p.tenant_id = $1 '
        'AND p.name_key LIKE $2 ESCAPE ''/'' AND (p.is_client OR NOT $3) LIMIT $4'
        USING {TENANT}, pattern, clients_only, max_rows;
END $$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DEVICE_IDS)
    op.execute(PARTY_IDS)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS plomba_device_ids(text, integer)")
    op.execute("DROP FUNCTION IF EXISTS plomba_party_ids(text, boolean, integer)")
