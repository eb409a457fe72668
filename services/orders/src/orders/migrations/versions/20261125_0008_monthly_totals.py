"""order_monthly_totals: counts and amounts per month, institution, category and status

A summary kept in the same transaction as every change it counts (an order created: +1 in its
status `created`; every step: −1 in the old status, +1 in the new), so platform-wide totals by
month read a few thousand rows per month instead of every order. Month = the Shanghai month of
created_at, as the totals analysis buckets it. Back-filled from orders.

Revision ID: orders_0008
Revises: orders_0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0008"
down_revision = "orders_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_monthly_totals",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "customer_org_id", "category", "status", name=op.f("pk_order_monthly_totals")
        ),
    )
    op.create_index(
        "ix_order_monthly_totals_org_month", "order_monthly_totals", ["customer_org_id", "month"]
    )
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', created_at, '+8 hours')"
    op.execute(
        "INSERT INTO order_monthly_totals "
        "(month, customer_org_id, category, status, count, amount_fen) "
        f"SELECT {month}, customer_org_id, category, status, count(*), sum(amount_fen) "
        f"FROM orders GROUP BY {month}, customer_org_id, category, status"
    )


def downgrade() -> None:
    op.drop_index("ix_order_monthly_totals_org_month", table_name="order_monthly_totals")
    op.drop_table("order_monthly_totals")
