"""plates: the scans' AXB privacy-number bindings

Revision ID: valueadd_plates_0002
Revises: valueadd_plates_0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_plates_0002"
down_revision = "valueadd_plates_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_plate_privacy_bindings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("binding_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("plate_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=True),
        sa.Column("caller_number", sa.String(length=20), nullable=False),
        sa.Column("virtual_number", sa.String(length=20), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plate_id"],
            ["va_plates.id"],
            name=op.f("fk_va_plate_privacy_bindings_plate_id_va_plates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_privacy_bindings")),
        sa.UniqueConstraint("provider", "binding_id", name="uq_va_plate_privacy_bindings_binding"),
    )
    op.create_index(
        op.f("ix_va_plate_privacy_bindings_plate_id"), "va_plate_privacy_bindings", ["plate_id"]
    )
    op.create_index(
        op.f("ix_va_plate_privacy_bindings_insurer_org_id"),
        "va_plate_privacy_bindings",
        ["insurer_org_id"],
    )


def downgrade() -> None:
    op.drop_table("va_plate_privacy_bindings")
