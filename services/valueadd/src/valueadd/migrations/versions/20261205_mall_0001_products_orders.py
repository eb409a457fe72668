"""mall: products (SPU), SKUs with guarded stock, mall orders with payment state

Revision ID: valueadd_mall_0001
Revises: valueadd_0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "valueadd_mall_0001"
down_revision = "valueadd_0001"
branch_labels = ("valueadd_mall",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "va_mall_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_mall_products")),
        sa.UniqueConstraint("org_id", "code", name="uq_va_mall_products_code"),
    )
    op.create_index(op.f("ix_va_mall_products_org_id"), "va_mall_products", ["org_id"])
    op.create_table(
        "va_mall_skus",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("sku_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("market_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_va_mall_skus_stock")),
        sa.CheckConstraint(
            "price_fen >= 0 AND market_price_fen >= 0 AND cost_fen >= 0",
            name=op.f("ck_va_mall_skus_money"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["va_mall_products.id"],
            name=op.f("fk_va_mall_skus_product_id_va_mall_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_mall_skus")),
        sa.UniqueConstraint("org_id", "sku_code", name="uq_va_mall_skus_code"),
    )
    op.create_index(op.f("ix_va_mall_skus_product_id"), "va_mall_skus", ["product_id"])
    op.create_table(
        "va_mall_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_no", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("sku_id", sa.Uuid(), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("sku_name", sa.String(length=100), nullable=False),
        sa.Column("sku_code", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("buyer_ref", sa.String(length=120), nullable=False),
        sa.Column("buyer_name", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("payment_channel", sa.String(length=30), nullable=True),
        sa.Column("payment_txn_no", sa.String(length=64), nullable=True),
        sa.Column("payment_recorded_by", sa.String(length=120), nullable=True),
        sa.Column("paid_at", UtcDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_va_mall_orders_quantity")),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["va_mall_skus.id"], name=op.f("fk_va_mall_orders_sku_id_va_mall_skus")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_va_mall_orders")),
        sa.UniqueConstraint("order_no", name=op.f("uq_va_mall_orders_order_no")),
        sa.UniqueConstraint("payment_channel", "payment_txn_no", name="uq_va_mall_orders_txn"),
    )
    op.create_index(op.f("ix_va_mall_orders_org_id"), "va_mall_orders", ["org_id"])


def downgrade() -> None:
    op.drop_table("va_mall_orders")
    op.drop_table("va_mall_skus")
    op.drop_table("va_mall_products")
