"""settlement lists (结算清单)

New tables: settlement_lists (one per list: selection, count, amount, the billing order) and
settlement_list_items (the closed orders billed; unique order_id: one list per order).

Revision ID: orders_0005
Revises: orders_0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from servicekit.db import UtcDateTime

revision = "orders_0005"
down_revision = "orders_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settlement_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("list_no", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("sign_date_from", sa.Date(), nullable=False),
        sa.Column("sign_date_to", sa.Date(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_lists_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_lists")),
        sa.UniqueConstraint("list_no", name=op.f("uq_settlement_lists_list_no")),
    )
    op.create_index(
        op.f("ix_settlement_lists_customer_org_id"),
        "settlement_lists",
        ["customer_org_id"],
        unique=False,
    )
    op.create_table(
        "settlement_list_items",
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["settlement_lists.id"],
            name=op.f("fk_settlement_list_items_list_id_settlement_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_settlement_list_items_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("list_id", "order_id", name=op.f("pk_settlement_list_items")),
        sa.UniqueConstraint("order_id", name=op.f("uq_settlement_list_items_order_id")),
    )


def downgrade() -> None:
    op.drop_table("settlement_list_items")
    op.drop_index(op.f("ix_settlement_lists_customer_org_id"), table_name="settlement_lists")
    op.drop_table("settlement_lists")
