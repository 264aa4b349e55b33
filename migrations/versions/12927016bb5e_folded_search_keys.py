"""Folded search keys: party names without diacritics, devices' models by index

`party.name_key` held the lower-cased name; it now holds the name folded by app/textfold.py
(no case, no diacritics, "ł" as "l"), so that "leczyca" finds "Łęczyca" through the same
trigram index on both databases. Existing rows are re-keyed here in Python, with the very
function that keys new names. The device search looks up the tenant's distinct models
(app/search.py, model_contains): (tenant_id, model) lets it read them from the index alone.

Revision ID: 12927016bb5e
Revises: e1f7c3a9d542
Create Date: 2026-11-30 23:45:00
"""
import sqlalchemy as sa
from alembic import op

from app.textfold import fold

revision = "12927016bb5e"
down_revision = "e1f7c3a9d542"
branch_labels = None
depends_on = None

PARTY = sa.table("party", sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("name_key", sa.String))


def _rekey(key) -> None:
    # The migration runs as the tables' owner, which row-level security does not restrict.
    conn = op.get_bind()
    rows = conn.execute(sa.select(PARTY.c.id, PARTY.c.name, PARTY.c.name_key)).all()
    changed = [{"pid": pid, "key": key(name)} for pid, name, old in rows if key(name) != old]
    if changed:
        conn.execute(PARTY.update().where(PARTY.c.id == sa.bindparam("pid"))
                     .values(name_key=sa.bindparam("key")), changed)


def upgrade():
    _rekey(fold)
    op.create_index("ix_device_tenant_model", "device", ["tenant_id", "model"])


def downgrade():
    op.drop_index("ix_device_tenant_model", table_name="device")
    _rekey(lambda name: (name or "").lower())
