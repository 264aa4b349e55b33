"""reminder: inspection reminders to taxpayers; the tenant's reminder settings; a technician's
calendar token; an order's planned day

One row per device, due date and step, unique, so a reminder is sent exactly once whatever the
schedulers and workers do (the row is claimed in the database before the mail goes out). On
PostgreSQL the table gets the row-level security policy of c9e4f1a7b3d8; grant the application
role its data privileges on it (README, "Production").

Revision ID: 7e41c0b9a2d5
Revises: 12927016bb5e
Create Date: 2026-11-30 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7e41c0b9a2d5"
down_revision = "12927016bb5e"
branch_labels = None
depends_on = None

TENANT = ("((SELECT current_setting('plomba.all_tenants', true)) = 'on' OR tenant_id = "
          "(SELECT NULLIF(current_setting('plomba.tenant_id', true), '')::integer))")


def upgrade():
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempted_on", sa.Date(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"],
                                name=op.f("fk_reminder_device_id_device"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["party.id"],
                                name=op.f("fk_reminder_client_id_party"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_reminder_tenant_id_tenant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint("tenant_id", "device_id", "due_on", "step",
                            name=op.f("uq_reminder_tenant_id_device_id_due_on_step")),
    )
    with op.batch_alter_table("reminder") as batch:
        batch.create_index("ix_reminder_tenant_status", ["tenant_id", "status"])
        batch.create_index("ix_reminder_tenant_client", ["tenant_id", "client_id", "id"])
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(sa.Column("reminder_days_first", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reminder_days_second", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reminder_subject", sa.String(length=200), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("reminder_body", sa.String(length=4000), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("technician") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_technician_calendar_token"), ["calendar_token"])
    with op.batch_alter_table("service_order") as batch:
        batch.add_column(sa.Column("planned_on", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reminder ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON reminder USING {TENANT} "
                   f"WITH CHECK {TENANT}")


def downgrade():
    with op.batch_alter_table("service_order") as batch:
        batch.drop_column("planned_on")
    with op.batch_alter_table("technician") as batch:
        batch.drop_constraint(op.f("uq_technician_calendar_token"), type_="unique")
        batch.drop_column("calendar_token")
    with op.batch_alter_table("tenant") as batch:
        for name in ("reminder_body", "reminder_subject", "reminder_days_second",
                     "reminder_days_first"):
            batch.drop_column(name)
    op.drop_table("reminder")
