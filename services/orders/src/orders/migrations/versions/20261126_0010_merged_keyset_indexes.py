"""the keyset indexes over all orders and per institution carry the analysed columns (PostgreSQL)

Lists walk (created_at, id) and (customer_org_id, created_at, id); the analyses walk
(created_at) and (customer_org_id, created_at) with the analysed columns INCLUDEd
(orders_0007). One index serves both: (created_at, id) INCLUDE (customer_org_id, the analysed
columns) and (customer_org_id, created_at, id) INCLUDE (the analysed columns) — the keyset order
of the lists, and index-only scans for the analyses. Every order written (an insert, or a
finance step: never a HOT update, it changes indexed columns) then adds two index entries fewer.
SQLite keeps its plain keyset indexes (no INCLUDE there): nothing changes.

Revision ID: orders_0010
Revises: orders_0009
Create Date: 2026-11-26
"""

from alembic import op

revision = "orders_0010"
down_revision = "orders_0009"
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
    for merged in ("ix_orders_analysis_created", "ix_orders_analysis_org_created"):
        op.drop_index(merged, table_name="orders")
    op.drop_index("ix_orders_created_at_id", table_name="orders")
    op.create_index(
        "ix_orders_created_at_id",
        "orders",
        ["created_at", "id"],
        postgresql_include=["customer_org_id", *ANALYSED],
    )
    op.drop_index("ix_orders_customer_org_id_created_at_id", table_name="orders")
    op.create_index(
        "ix_orders_customer_org_id_created_at_id",
        "orders",
        ["customer_org_id", "created_at", "id"],
        postgresql_include=ANALYSED,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_orders_customer_org_id_created_at_id", table_name="orders")
    op.create_index(
        "ix_orders_customer_org_id_created_at_id", "orders", ["customer_org_id", "created_at", "id"]
    )
    op.drop_index("ix_orders_created_at_id", table_name="orders")
    op.create_index("ix_orders_created_at_id", "orders", ["created_at", "id"])
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
