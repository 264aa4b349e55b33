"""job: background jobs as rows (kind, status, progress, result, error, who, when)

Screens read a job's progress and result from here, so they survive a Redis flush; Redis keeps
only the queue. On PostgreSQL the table gets the same row-level security policy as every other
tenant table (migrations e5b8c2d7f319, c9e4f1a7b3d8); grant the application role its data
privileges on it.

Revision ID: a8d4e6f2b910
Revises: c9e4f1a7b3d8
Create Date: 2026-11-26 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a8d4e6f2b910"
down_revision = "c9e4f1a7b3d8"
branch_labels = None
depends_on = None

TENANT = ("((SELECT current_setting('plomba.all_tenants', true)) = 'on' OR tenant_id = "
          "(SELECT NULLIF(current_setting('plomba.tenant_id', true), '')::integer))")


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("result_path", sa.String(length=500), nullable=True),
        sa.Column("result_name", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rq_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_job_created_by_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_job_tenant_id_tenant"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job") as batch:
        batch.create_index("ix_job_tenant_kind_created", ["tenant_id", "kind", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE job ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON job USING {TENANT} WITH CHECK {TENANT}")


def downgrade():
    op.drop_table("job")
