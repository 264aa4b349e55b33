"""Przeglądy list indexes: the sites' cities, the undated count, the producer filter's walk

- ix_location_tenant_city (tenant_id, city): the city filter's choices are read by walking
  this index from one city to the next (app/inspections/service.py cities), instead of a
  DISTINCT over every site of the company on each whole-page request; the city filter's
  "sites in this city" subquery uses it too.
- ix_device_tenant_undated (tenant_id) WHERE next_inspection_due IS NULL AND status <>
  'liquidated': the list's "N active devices have no due date" becomes a count of this small
  partial index (the query states the condition literally, so both databases match it).
- ix_device_tenant_producer_due (tenant_id, producer_id, next_inspection_due, id): with a
  producer chosen the keyset walk reads only that producer's devices, in the list's order.

Revision ID: 5c2e9b71d4a3
Revises: 7e41c0b9a2d5
Create Date: 2026-12-01 03:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5c2e9b71d4a3"
down_revision = "7e41c0b9a2d5"
branch_labels = None
depends_on = None

UNDATED = sa.text("next_inspection_due IS NULL AND status <> 'liquidated'")


def upgrade():
    op.create_index("ix_location_tenant_city", "location", ["tenant_id", "city"])
    op.create_index("ix_device_tenant_undated", "device", ["tenant_id"],
                    sqlite_where=UNDATED, postgresql_where=UNDATED)
    op.create_index("ix_device_tenant_producer_due", "device",
                    ["tenant_id", "producer_id", "next_inspection_due", "id"])


def downgrade():
    op.drop_index("ix_device_tenant_producer_due", table_name="device")
    op.drop_index("ix_device_tenant_undated", table_name="device")
    op.drop_index("ix_location_tenant_city", table_name="location")
