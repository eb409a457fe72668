"""coupons: merchant statements and their lines

Revision ID: valueadd_coupons_0003
Revises: valueadd_coupons_0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_coupons_0003"
down_revision = "valueadd_coupons_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("statement_no", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_org_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_name", sa.String(length=100), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=120), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["va_merchants.id"],
            name=op.f("fk_va_statements_merchant_id_va_merchants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_statements")),
        sa.UniqueConstraint("statement_no", name=op.f("uq_va_statements_statement_no")),
    )
    with op.batch_alter_table("va_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_va_statements_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index(
            "ix_va_statements_merchant_org_created", ["merchant_org_id", "created_at"], unique=False
        )

    op.create_table(
        "va_statement_lines",
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("redemption_id", sa.Uuid(), nullable=False),
        sa.Column("redemption_no", sa.String(length=16), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("store_name", sa.String(length=100), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=False),
        sa.Column("settlement_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("insurer_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("batch_kind", sa.String(length=20), nullable=False),
        sa.Column("billed_org_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dispute_reason", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["va_redemptions.id"],
            name=op.f("fk_va_statement_lines_redemption_id_va_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["va_statements.id"],
            name=op.f("fk_va_statement_lines_statement_id_va_statements"),
        ),
        sa.PrimaryKeyConstraint(
            "statement_id", "redemption_id", name=op.f("pk_va_statement_lines")
        ),
    )
    with op.batch_alter_table("va_coupons", schema=None) as batch_op:
        batch_op.alter_column(
            "holder_ref",
            existing_type=sa.VARCHAR(length=80),
            type_=sa.String(length=120),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "holder_name",
            existing_type=sa.VARCHAR(length=80),
            type_=sa.String(length=200),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("va_coupons", schema=None) as batch_op:
        batch_op.alter_column(
            "holder_name",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=80),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "holder_ref",
            existing_type=sa.String(length=120),
            type_=sa.VARCHAR(length=80),
            existing_nullable=True,
        )

    op.drop_table("va_statement_lines")
    with op.batch_alter_table("va_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_va_statements_merchant_org_created")
        batch_op.drop_index(batch_op.f("ix_va_statements_merchant_id"))

    op.drop_table("va_statements")
