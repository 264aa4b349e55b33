"""Przeglądy list indexes: the sites' cities, the undated count, the producer and technician filters

- ix_location_tenant_city (tenant_id, city): the city filter's choices are read by walking
  this index from one city to the next (app/inspections/service.py page_choices), not a
  DISTINCT over every site of the company on each whole-page request; the city filter's
  "sites in this city" subquery uses it too.
- ix_device_tenant_undated (tenant_id) WHERE next_inspection_due IS NULL AND status <>
  'liquidated': the list's "N active devices have no due date" becomes a count of this small
  partial index (the query states the condition literally, so both databases match it).
- ix_device_tenant_producer_due (tenant_id, producer_id, next_inspection_due, id): with a
  producer chosen the keyset walk reads only that producer's devices, in the list's order.
- ix_order_tenant_device gains technician_id and status (tenant_id, device_id, technician_id,
  status): the technician filter probes a device's orders for every device its walk passes
  (about 16 per shown row at 10 technicians); covering, a probe reads no order row (the
  page: PostgreSQL 3,335 -> 2,830 buffers, SQLite about 5 -> 3.8 ms). Its (tenant_id,
  device_id) prefix serves what the index served before; status is indexed already, so an
  order's status change loses no HOT update it had.

Revision ID: 5c2e9b71d4a3
Revises: 3f9a6c1e8b27
Create Date: 2026-12-01 03:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = "5c2e9b71d4a3"
down_revision = "3f9a6c1e8b27"
branch_labels = None
depends_on = None

UNDATED = sa.text("next_inspection_due IS NULL AND status <> 'liquidated'")


def upgrade():
    op.create_index("ix_location_tenant_city", "location", ["tenant_id", "city"])
    op.create_index("ix_device_tenant_undated", "device", ["tenant_id"],
                    sqlite_where=UNDATED, postgresql_where=UNDATED)
    op.create_index("ix_device_tenant_producer_due", "device",
                    ["tenant_id", "producer_id", "next_inspection_due", "id"])
    op.drop_index("ix_order_tenant_device", table_name="service_order")
    op.create_index("ix_order_tenant_device", "service_order",
                    ["tenant_id", "device_id", "technician_id", "status"])


def downgrade():
    op.drop_index("ix_order_tenant_device", table_name="service_order")
    op.create_index("ix_order_tenant_device", "service_order", ["tenant_id", "device_id"])
    op.drop_index("ix_device_tenant_producer_due", table_name="device")
    op.drop_index("ix_device_tenant_undated", table_name="device")
    op.drop_index("ix_location_tenant_city", table_name="location")
