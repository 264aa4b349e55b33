"""user_session: one row per signed-in browser, for the session list on "Moje konto"

Cookies made before this revision carry no session key and stop working: everyone signs in
once more. On PostgreSQL the table gets the same row-level security policy as every other
tenant table (migration e5b8c2d7f319); grant the application role its data privileges on it.

Revision ID: f3c9a7d21e64
Revises: e5b8c2d7f319
Create Date: 2026-11-25 14:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "f3c9a7d21e64"
down_revision = "e5b8c2d7f319"
branch_labels = None
depends_on = None

ALL = "current_setting('plomba.all_tenants', true) = 'on'"
CURRENT = "NULLIF(current_setting('plomba.tenant_id', true), '')::integer"


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=400), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_user_session_tenant_id_tenant"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_user_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_session_key_hash")),
    )
    with op.batch_alter_table("user_session") as batch:
        batch.create_index("ix_user_session_user_last_seen", ["user_id", "last_seen_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE user_session ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON user_session "
                   f"USING ({ALL} OR tenant_id = {CURRENT}) "
                   f"WITH CHECK ({ALL} OR tenant_id = {CURRENT})")


def downgrade():
    op.drop_table("user_session")
