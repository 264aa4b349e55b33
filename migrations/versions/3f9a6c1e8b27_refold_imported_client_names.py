"""Imported clients' name_key folded again

The import wrote new clients with one multi-row INSERT, which bypasses Party's validator, and
keyed their names with lower() instead of app/textfold.py's fold: an imported "Łęczyca" was not
found by "leczyca". The import now folds; rows it wrote before are re-keyed here with the same
function (only the rows whose key differs are written).

Revision ID: 3f9a6c1e8b27
Revises: 155de20adfe9
Create Date: 2026-12-01 03:45:00
"""
import sqlalchemy as sa
from alembic import op

from app.textfold import fold

revision = "3f9a6c1e8b27"
down_revision = "155de20adfe9"
branch_labels = None
depends_on = None

PARTY = sa.table("party", sa.column("id", sa.Integer), sa.column("name", sa.String),
                 sa.column("name_key", sa.String))


def upgrade():
    # The migration runs as the tables' owner, which row-level security does not restrict.
    conn = op.get_bind()
    rows = conn.execute(sa.select(PARTY.c.id, PARTY.c.name, PARTY.c.name_key)).all()
    changed = [{"pid": pid, "key": fold(name)} for pid, name, old in rows if fold(name) != old]
    if changed:
        conn.execute(PARTY.update().where(PARTY.c.id == sa.bindparam("pid"))
                     .values(name_key=sa.bindparam("key")), changed)


def downgrade():
    pass  # a folded key is what every other row holds; nothing to undo
