"""operator_session: operators get the session records of users (user_session, f3c9a7d21e64)

A copied operator cookie stopped working only when the operator's token rotated; now logging
out ends the record, and an idle one expires. Operators belong to no tenant, like the
`operator` table itself, so this table has no tenant_id and no row-level security policy
(migration e5b8c2d7f319 covers tenant tables only). Cookies made before this revision carry
no session key: operators sign in once more. Grant the application role its data privileges
on the new table (README, "Production").

Revision ID: b4d8e2f6a1c3
Revises: a8d4e6f2b910
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "b4d8e2f6a1c3"
down_revision = "a8d4e6f2b910"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operator_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=400), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"],
                                name=op.f("fk_operator_session_operator_id_operator"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_operator_session_key_hash")),
    )
    with op.batch_alter_table("operator_session") as batch:
        batch.create_index("ix_operator_session_operator_last_seen",
                           ["operator_id", "last_seen_at"])


def downgrade():
    op.drop_table("operator_session")
