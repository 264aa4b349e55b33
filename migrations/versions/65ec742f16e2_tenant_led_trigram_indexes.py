"""Trigram indexes led by the tenant (PostgreSQL): a fragment search reads one company's matches

The trigram GIN indexes of c3a1f0b2d4e5 hold every company's numbers and names, and the search
functions of b7c1d9e3f5a2 filter the tenant only after reading the rows the index returned: a
device-number fragment read 359 buffers with 10 companies of 20,000 devices against 33 with 1
(docs/sql-plans.md), so a search cost grew with the number of tenants, not with the company's
own data. btree_gin lets one GIN index hold `tenant_id` beside the trigrams; the tenant's
entry is then one more key of the same index scan, and only that company's matches are read.
The old indexes served nothing else (every fragment search goes through those functions,
which always name the tenant) and are dropped. btree_gin is a trusted contrib extension: the
database owner who runs migrations may create it. SQLite has none of this.

Equality look-ups of a number (`tenant_id = ? AND unique_no = ?`) keep their unique btree
indexes: the planner estimates one row there and does not choose a GIN scan (checked with
EXPLAIN, docs/sql-plans.md); the import's batches join an unnest() array for the same reason.

Revision ID: 65ec742f16e2
Revises: 7e41c0b9a2d5
Create Date: 2026-12-01 03:00:00
"""
from alembic import op

revision = "65ec742f16e2"
down_revision = "7e41c0b9a2d5"
branch_labels = None
depends_on = None

# (new index, old index of c3a1f0b2d4e5, table, column)
INDEXES = (
    ("ix_device_tenant_unique_no_trgm", "ix_device_unique_no_trgm", "device", "unique_no"),
    ("ix_device_tenant_factory_no_trgm", "ix_device_factory_no_trgm", "device", "factory_no"),
    ("ix_party_tenant_name_key_trgm", "ix_party_name_key_trgm", "party", "name_key"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, old, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                   f"USING gin (tenant_id, {column} gin_trgm_ops)")
        op.execute(f"DROP INDEX IF EXISTS {old}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, old, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {old} ON {table} "
                   f"USING gin ({column} gin_trgm_ops)")
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # btree_gin stays: other objects may use it, and it costs nothing unused.
