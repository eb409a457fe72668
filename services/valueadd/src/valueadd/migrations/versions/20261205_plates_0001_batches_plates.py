"""plates: batches, plates with QR tokens and their trail, insurers' purchases

Revision ID: valueadd_plates_0001
Revises: valueadd_0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_plates_0001"
down_revision = "valueadd_0001"
branch_labels = ("valueadd_plates",)
depends_on = None

SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "va_plate_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_no", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_va_plate_batches_quantity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_batches")),
        sa.UniqueConstraint("batch_no", name=op.f("uq_va_plate_batches_batch_no")),
    )
    op.create_index(op.f("ix_va_plate_batches_org_id"), "va_plate_batches", ["org_id"])
    op.create_table(
        "va_plate_purchases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("purchase_no", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_name", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_va_plate_purchases_quantity")),
        sa.CheckConstraint(
            "unit_price_fen >= 0 AND amount_fen >= 0", name=op.f("ck_va_plate_purchases_money")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_purchases")),
        sa.UniqueConstraint("purchase_no", name=op.f("uq_va_plate_purchases_purchase_no")),
    )
    op.create_index(op.f("ix_va_plate_purchases_org_id"), "va_plate_purchases", ["org_id"])
    op.create_index(
        op.f("ix_va_plate_purchases_insurer_org_id"), "va_plate_purchases", ["insurer_org_id"]
    )
    op.create_table(
        "va_plates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plate_no", sa.String(length=32), nullable=False),
        sa.Column("qr_token", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("promoter_subject", sa.String(length=120), nullable=True),
        sa.Column("promoter_name", sa.String(length=100), nullable=True),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_id", sa.Uuid(), nullable=True),
        sa.Column("customer_ref", sa.String(length=120), nullable=True),
        sa.Column("customer_name", sa.String(length=100), nullable=True),
        sa.Column("vehicle_plate_no", sa.String(length=16), nullable=True),
        sa.Column("owner_mobile", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["va_plate_batches.id"],
            name=op.f("fk_va_plates_batch_id_va_plate_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["va_plate_purchases.id"],
            name=op.f("fk_va_plates_purchase_id_va_plate_purchases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plates")),
        sa.UniqueConstraint("plate_no", name=op.f("uq_va_plates_plate_no")),
        sa.UniqueConstraint("qr_token", name=op.f("uq_va_plates_qr_token")),
    )
    for column in ("batch_id", "org_id", "status", "promoter_subject", "insurer_org_id"):
        op.create_index(op.f(f"ix_va_plates_{column}"), "va_plates", [column])
    op.create_table(
        "va_plate_status_changes",
        sa.Column("id", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("plate_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["plate_id"],
            ["va_plates.id"],
            name=op.f("fk_va_plate_status_changes_plate_id_va_plates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_status_changes")),
    )
    op.create_index(
        op.f("ix_va_plate_status_changes_plate_id"), "va_plate_status_changes", ["plate_id"]
    )


def downgrade() -> None:
    op.drop_table("va_plate_status_changes")
    op.drop_table("va_plates")
    op.drop_table("va_plate_purchases")
    op.drop_table("va_plate_batches")
