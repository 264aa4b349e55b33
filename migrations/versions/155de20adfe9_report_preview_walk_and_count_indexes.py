"""Report preview: walk a producer's devices by factory no.; count from narrow indexes

The preview's page walks one producer's devices in the report's order (factory no.) and stops
after a page: (tenant, producer, factory no.) on device. The counts (rows per
producer, once per preview) join a range's items with their orders and devices: on PostgreSQL
they read two covering indexes instead of the tables (the range's items by date with their
order id and book flag; the orders that are not cancelled, by device, with their id, status and
book flag, which is also the walk's lookup of a device's orders): 2,808 -> 710 shared buffers
for the counts of a year of Usługi ze zleceń on the 100k-order tenant (docs/sql-plans.md).
PostgreSQL only: SQLite has no INCLUDE, and given the device index it counts a year by walking
every device's orders and items in the index's order to spare a sort (96 ms -> 916 ms for the
year's first page); without it, it starts from the range's items for the counts and the page.

Revision ID: 155de20adfe9
Revises: 65ec742f16e2
Create Date: 2026-12-01 02:50:00
"""
from alembic import op

revision = "155de20adfe9"
down_revision = "65ec742f16e2"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_device_tenant_producer_factory", "device",
                    ["tenant_id", "producer_id", "factory_no"])
    op.drop_index("ix_order_item_tenant_performed", table_name="order_item")
    op.create_index("ix_order_item_tenant_performed", "order_item", ["tenant_id", "performed_on"],
                    postgresql_include=["order_id", "service_book"])
    # Every report counts orders that are not cancelled (Dane Kas all of them, Usługi ze
    # zleceń the closed or settled ones with the book flag): the index holds only those,
    # with what the counts and the walk read of them, by device (the walk's lookup).
    op.execute("CREATE INDEX ix_order_tenant_device_counted ON service_order "
               "(tenant_id, device_id) INCLUDE (id, status, service_book) "
               "WHERE status <> 'cancelled'")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_order_tenant_device_counted", table_name="service_order")
    op.drop_index("ix_order_item_tenant_performed", table_name="order_item")
    op.create_index("ix_order_item_tenant_performed", "order_item", ["tenant_id", "performed_on"])
    op.drop_index("ix_device_tenant_producer_factory", table_name="device")
