"""A company's first day (issue 14): the tenant's confirmation and accepted terms, invited users

- tenant.confirmed_at: when the owner's e-mail was confirmed (by the sign-up link or by a
  password-reset link). A company still unconfirmed 7 days after sign-up expires and frees its
  NIP and e-mail (app/accounts/expiry.py). Existing tenants were made by the CLI or are
  confirmed: set to their creation time.
- tenant.terms_version / terms_accepted_at, privacy_version / privacy_accepted_at: the terms
  of service and the privacy notice (RODO) accepted at sign-up, which versions and when.
  Tenants made by the CLI or the demo accepted nothing through the web: empty.
- user_account.invited_at: set while an invited user has not yet set a password through the
  invitation's link ("zaproszony" on the users' screen); cleared when the link is used.

No new table, so no new row-level-security policy or grant.

Revision ID: e1f7a3c95d24
Revises: b4d8e2f6a1c3
Create Date: 2026-11-30 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e1f7a3c95d24"
down_revision = "b4d8e2f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("terms_version", sa.String(length=20), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("terms_accepted_at", sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("privacy_version", sa.String(length=20), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("privacy_accepted_at", sa.DateTime(timezone=True),
                                   nullable=True))
    # A tenant whose owner has not confirmed yet stays unconfirmed; every other is confirmed
    # since it was created.
    op.execute("UPDATE tenant SET confirmed_at = created_at WHERE NOT EXISTS ("
               "SELECT 1 FROM user_account u WHERE u.tenant_id = tenant.id "
               "AND u.role = 'owner' AND u.email_confirmed_at IS NULL)")
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_tenant_unconfirmed_created", "tenant", ["confirmed_at", "created_at"])


def downgrade():
    op.drop_index("ix_tenant_unconfirmed_created", table_name="tenant")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("invited_at")
    with op.batch_alter_table("tenant") as batch:
        for column in ("privacy_accepted_at", "privacy_version", "terms_accepted_at",
                       "terms_version", "confirmed_at"):
            batch.drop_column(column)
