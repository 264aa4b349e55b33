"""user_account.email_confirmed_at: sign-up confirms the owner's e-mail before the first login

Revision ID: d7e2a9c41b06
Revises: c3a1f0b2d4e5
Create Date: 2026-11-25 13:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d7e2a9c41b06"
down_revision = "c3a1f0b2d4e5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True),
                                   nullable=True))
    # Every account that exists was made by the CLI or an owner: confirmed.
    op.execute("UPDATE user_account SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("email_confirmed_at")
