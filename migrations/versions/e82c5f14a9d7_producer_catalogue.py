"""producer catalogue: the platform's producers, their revisions, and a company producer's link

Operators keep the catalogue in /platform; companies add producers from it and take over its
changes. Platform rows like `operator`: no tenant_id and no row-level security policy (the
application role reads them in every tenant's transaction and writes them from the operators'
console). Grant the application role its data privileges on the new tables (README,
"Production"). The demo seeds the catalogue; production operators fill it in.

Revision ID: e82c5f14a9d7
Revises: e1f7a3c95d24
Create Date: 2026-11-30 23:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e82c5f14a9d7"
down_revision = "e1f7a3c95d24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalogue_producer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nip", sa.String(length=10), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("factory_masks", sa.JSON(), nullable=False),
        sa.Column("unique_prefixes", sa.JSON(), nullable=False),
        sa.Column("api_url", sa.String(length=500), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_producer")),
        sa.UniqueConstraint("nip", name=op.f("uq_catalogue_producer_nip")),
    )
    op.create_table(
        "catalogue_producer_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changes", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["catalogue_producer.id"],
            name=op.f("fk_catalogue_producer_revision_entry_id_catalogue_producer"),
            ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operator.id"],
            name=op.f("fk_catalogue_producer_revision_operator_id_operator"),
            ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_producer_revision")),
        sa.UniqueConstraint("entry_id", "version",
                            name=op.f("uq_catalogue_producer_revision_entry_id_version")),
    )
    fk_name = op.f("fk_party_catalogue_producer_id_catalogue_producer")
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with its reference inline, in place: a batch would copy `party`, and
        # dropping the old copy fails the foreign keys of the devices, orders and
        # authorisations that point at it (PRAGMA foreign_keys=ON); alembic itself refuses
        # a constraint outside a batch on SQLite.
        op.execute(f"ALTER TABLE party ADD COLUMN catalogue_producer_id INTEGER "
                   f"CONSTRAINT {fk_name} REFERENCES catalogue_producer (id) "
                   f"ON DELETE SET NULL")
    else:
        op.add_column("party", sa.Column("catalogue_producer_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, "party", "catalogue_producer",
                              ["catalogue_producer_id"], ["id"], ondelete="SET NULL")
    op.add_column("party", sa.Column("catalogue_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("party") as batch:
        batch.drop_constraint(op.f("fk_party_catalogue_producer_id_catalogue_producer"),
                              type_="foreignkey")
        batch.drop_column("catalogue_version")
        batch.drop_column("catalogue_producer_id")
    op.drop_table("catalogue_producer_revision")
    op.drop_table("catalogue_producer")
