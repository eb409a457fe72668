"""covering indexes for the analyses (PostgreSQL)

The analyses of an institution read its orders by (customer_org_id, created_at) and of the
whole platform by created_at, touching only a few narrow columns. With those columns in the
index (INCLUDE), PostgreSQL answers them by an index-only scan instead of fetching each wide
order row (extension JSON, counterparty, …) from the heap: at 1M orders the difference between
reading ~50 MB of index and ~400 MB of table. SQLite has no INCLUDE and its small databases
need none: nothing is created there.

Revision ID: orders_0007
Revises: orders_0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "orders_0007"
down_revision = "orders_0006"
branch_labels = None
depends_on = None

#: Everything the totals and cycle-time analyses read besides the indexed columns.
ANALYSED = [
    "category", "status", "amount_fen", "created_by", "first_invoiced_at",
    "first_invoiced_by", "first_settled_at", "first_settled_by",
]  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_orders_analysis_org_created",
        "orders",
        ["customer_org_id", "created_at"],
        postgresql_include=ANALYSED,
    )
    op.create_index(
        "ix_orders_analysis_created",
        "orders",
        ["created_at"],
        postgresql_include=["customer_org_id", *ANALYSED],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_orders_analysis_created", table_name="orders")
    op.drop_index("ix_orders_analysis_org_created", table_name="orders")
