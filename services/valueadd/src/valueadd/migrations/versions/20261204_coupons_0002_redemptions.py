"""coupons: redemptions; holder reference and name as long as insurance's

Revision ID: valueadd_coupons_0002
Revises: valueadd_coupons_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicekit.db import UtcDateTime

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite (as valueadd's models).
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")

revision = "valueadd_coupons_0002"
down_revision = "valueadd_coupons_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_redemptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("redemption_no", sa.String(length=16), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("coupon_code", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("product_code", sa.String(length=40), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("batch_kind", sa.String(length=20), nullable=False),
        sa.Column("billed_org_id", sa.Uuid(), nullable=True),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_org_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_name", sa.String(length=100), nullable=False),
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("store_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("staff_subject", sa.String(length=120), nullable=False),
        sa.Column("staff_name", sa.String(length=80), nullable=False),
        sa.Column("redeemed_at", UtcDateTime(), nullable=False),
        sa.Column("car_model", sa.String(length=100), nullable=True),
        sa.Column("location", _JSON, nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=True),
        sa.Column("settlement_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("insurer_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("face_value_fen", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["va_coupons.id"], name=op.f("fk_va_redemptions_coupon_id_va_coupons")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["va_merchants.id"],
            name=op.f("fk_va_redemptions_merchant_id_va_merchants"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_coupon_products.id"],
            name=op.f("fk_va_redemptions_product_id_va_coupon_products"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["va_merchant_stores.id"],
            name=op.f("fk_va_redemptions_store_id_va_merchant_stores"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_redemptions")),
        sa.UniqueConstraint("coupon_id", name=op.f("uq_va_redemptions_coupon_id")),
        sa.UniqueConstraint("merchant_id", "idempotency_key", name="uq_va_redemptions_idempotency"),
        sa.UniqueConstraint("redemption_no", name=op.f("uq_va_redemptions_redemption_no")),
    )
    with op.batch_alter_table("va_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_va_redemptions_merchant_at", ["merchant_id", "redeemed_at"], unique=False
        )
        batch_op.create_index(
            "ix_va_redemptions_merchant_org_at", ["merchant_org_id", "redeemed_at"], unique=False
        )
        batch_op.create_index("ix_va_redemptions_statement", ["statement_id"], unique=False)

    # SQLite does not enforce VARCHAR lengths (and would rebuild the referenced table).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("va_coupons", "holder_ref", type_=sa.String(length=120))
        op.alter_column("va_coupons", "holder_name", type_=sa.String(length=200))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("va_coupons", "holder_name", type_=sa.String(length=80))
        op.alter_column("va_coupons", "holder_ref", type_=sa.String(length=80))
    with op.batch_alter_table("va_redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_va_redemptions_statement")
        batch_op.drop_index("ix_va_redemptions_merchant_org_at")
        batch_op.drop_index("ix_va_redemptions_merchant_at")

    op.drop_table("va_redemptions")
