"""plates: contracts with their settlement mode (versioned), period settlements, and what
each purchase and call record was settled by

Revision ID: valueadd_plates_0004
Revises: valueadd_plates_0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_plates_0004"
down_revision = "valueadd_plates_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_plate_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_contracts")),
        sa.UniqueConstraint(
            "org_id", "insurer_org_id", "version", name="uq_va_plate_contracts_version"
        ),
    )
    op.create_index(op.f("ix_va_plate_contracts_org_id"), "va_plate_contracts", ["org_id"])
    op.create_index(
        op.f("ix_va_plate_contracts_insurer_org_id"), "va_plate_contracts", ["insurer_org_id"]
    )
    op.create_table(
        "va_plate_settlements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("settlement_no", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_org_id", sa.Uuid(), nullable=False),
        sa.Column("insurer_name", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("purchase_count", sa.Integer(), nullable=False),
        sa.Column("purchase_fen", sa.BigInteger(), nullable=False),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("call_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_plate_settlements")),
        sa.UniqueConstraint("settlement_no", name=op.f("uq_va_plate_settlements_settlement_no")),
    )
    op.create_index(op.f("ix_va_plate_settlements_org_id"), "va_plate_settlements", ["org_id"])
    op.create_index(
        op.f("ix_va_plate_settlements_insurer_org_id"), "va_plate_settlements", ["insurer_org_id"]
    )
    op.add_column("va_plate_purchases", sa.Column("settlement_mode", sa.String(20), nullable=True))
    op.add_column("va_plate_purchases", sa.Column("settlement_id", sa.Uuid(), nullable=True))
    op.create_index(
        op.f("ix_va_plate_purchases_settlement_id"), "va_plate_purchases", ["settlement_id"]
    )
    op.add_column("va_plate_call_records", sa.Column("settlement_id", sa.Uuid(), nullable=True))
    op.create_index(
        op.f("ix_va_plate_call_records_settlement_id"), "va_plate_call_records", ["settlement_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_va_plate_call_records_settlement_id"), "va_plate_call_records")
    with op.batch_alter_table("va_plate_call_records") as batch:
        batch.drop_column("settlement_id")
    op.drop_index(op.f("ix_va_plate_purchases_settlement_id"), "va_plate_purchases")
    with op.batch_alter_table("va_plate_purchases") as batch:
        batch.drop_column("settlement_id")
        batch.drop_column("settlement_mode")
    op.drop_table("va_plate_settlements")
    op.drop_table("va_plate_contracts")
