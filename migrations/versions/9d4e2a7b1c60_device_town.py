"""The device's town, for the Przeglądy city filter

device.town: its site's city, or its client's seat where it has no site (or a site without a
city), kept by app/devices/town.py; ix_device_tenant_town_due (tenant_id, town,
next_inspection_due, id) makes the city filter a walk in the list's order. Filled here for
the devices there are (the same rule as one UPDATE).

Revision ID: 9d4e2a7b1c60
Revises: 5c2e9b71d4a3
Create Date: 2026-12-01 07:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "9d4e2a7b1c60"
down_revision = "5c2e9b71d4a3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("device", sa.Column("town", sa.String(length=100), nullable=False,
                                      server_default=""))
    # Migrations do not import the application: the rule of app/devices/town.py, written out.
    op.execute("UPDATE device SET town = COALESCE("
               "(SELECT NULLIF(location.city, '') FROM location "
               "WHERE location.id = device.location_id), "
               "(SELECT party.city FROM party WHERE party.id = device.client_id), '')")
    op.create_index("ix_device_tenant_town_due", "device",
                    ["tenant_id", "town", "next_inspection_due", "id"])


def downgrade():
    op.drop_index("ix_device_tenant_town_due", table_name="device")
    with op.batch_alter_table("device") as batch_op:
        batch_op.drop_column("town")
