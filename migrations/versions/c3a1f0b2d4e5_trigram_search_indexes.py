"""Trigram indexes for fragment search on PostgreSQL (unique/factory numbers, client names)

Searching "a fragment of the number" is LIKE '%…%': a sequential scan everywhere, 5-10 ms per
20,000 devices on PostgreSQL. pg_trgm's GIN indexes answer it from the index. SQLite has no such
index and scans its covering indexes instead (1-2 ms), so this revision does nothing there.

Revision ID: c3a1f0b2d4e5
Revises: 16163efe67cf
Create Date: 2026-11-25 12:45:00
"""
from alembic import op

revision = "c3a1f0b2d4e5"
down_revision = "16163efe67cf"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_device_unique_no_trgm", "device", "unique_no"),
    ("ix_device_factory_no_trgm", "device", "factory_no"),
    ("ix_party_name_key_trgm", "party", "name_key"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                   f"USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
