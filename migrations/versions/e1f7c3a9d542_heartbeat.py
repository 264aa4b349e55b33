"""heartbeat: the last run of the RZS sweeper, for the operators' status page (issue 18)

Platform-wide like `operator`: no tenant_id and no row-level security policy (migration
e5b8c2d7f319 covers tenant tables only). Grant the application role its data privileges on the
new table (README, "Production").

Revision ID: e1f7c3a9d542
Revises: e82c5f14a9d7
Create Date: 2026-11-30 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e1f7c3a9d542"
down_revision = "e82c5f14a9d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "heartbeat",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_heartbeat")),
    )


def downgrade():
    op.drop_table("heartbeat")
