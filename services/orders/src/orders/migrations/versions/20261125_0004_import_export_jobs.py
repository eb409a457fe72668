"""import and export jobs

New tables: order_import_jobs (the uploaded file, its counters and progress),
order_import_errors (refused rows, per column), order_export_jobs (filters, progress, file).

Revision ID: orders_0004
Revises: orders_0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicekit.db import UtcDateTime

revision = "orders_0004"
down_revision = "orders_0003"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _job_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("principal", _JSON, nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_org_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "order_export_jobs",
        *_job_columns(),
        sa.Column("filters", _JSON, nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_export_jobs")),
    )
    op.create_table(
        "order_import_jobs",
        *_job_columns(),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_import_jobs")),
    )
    op.create_table(
        "order_import_errors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["order_import_jobs.id"],
            name=op.f("fk_order_import_errors_job_id_order_import_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_import_errors")),
    )
    op.create_index(
        op.f("ix_order_import_errors_job_id"), "order_import_errors", ["job_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_order_import_errors_job_id"), table_name="order_import_errors")
    op.drop_table("order_import_errors")
    op.drop_table("order_import_jobs")
    op.drop_table("order_export_jobs")
