"""order details, life cycle amounts, reviews, finance records, list indexes

Orders gain counterparty, selling entity, tax rate, extension data, the amounts finance
reported (invoiced/settled fen, with the dates they were reached) and a version column for
optimistic locking. New tables: order_lines, order_reviews, order_finance_records.
The single-column customer index is replaced by (customer_org_id, created_at, id): keyset pages
are ordered by (created_at, id) descending, so each list index ends in those columns.

Revision ID: orders_0003
Revises: orders_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "orders_0003"
down_revision = "orders_0002"
branch_labels = None
depends_on = None

_SEQUENCE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_LIST_INDEXES = {
    "ix_orders_created_at_id": ["created_at", "id"],
    "ix_orders_customer_org_id_created_at_id": ["customer_org_id", "created_at", "id"],
    "ix_orders_status_created_at_id": ["status", "created_at", "id"],
    "ix_orders_category_created_at_id": ["category", "created_at", "id"],
    "ix_orders_sign_date": ["sign_date"],
    "ix_orders_invoiced_at": ["invoiced_at"],
    "ix_orders_settled_at": ["settled_at"],
}


def upgrade() -> None:
    # Constant defaults: PostgreSQL adds these columns without rewriting the table.
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("counterparty_name", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("counterparty_id", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("seller", sa.String(24), nullable=True))
        batch_op.add_column(sa.Column("tax_rate_bp", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extension", _JSON, nullable=True))
        batch_op.add_column(
            sa.Column("invoiced_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("settled_fen", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("invoiced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_index("ix_orders_customer_org_id")
        for name, columns in _LIST_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    op.create_table(
        "order_lines",
        sa.Column("id", _SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint("order_id", "line_no", name="uq_order_lines_line"),
    )
    op.create_table(
        "order_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("reviewer", sa.String(120), nullable=True),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_order_reviews_rating_1_to_5")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_reviews_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_reviews")),
    )
    op.create_index(op.f("ix_order_reviews_order_id"), "order_reviews", ["order_id"])
    op.create_table(
        "order_finance_records",
        sa.Column("id", _SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("document_no", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_finance_records_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_finance_records")),
        # Also the index for an order's records (order_id leads).
        sa.UniqueConstraint(
            "order_id", "event_type", "document_id", name="uq_order_finance_records_doc"
        ),
    )


def downgrade() -> None:
    op.drop_table("order_finance_records")
    op.drop_index(op.f("ix_order_reviews_order_id"), table_name="order_reviews")
    op.drop_table("order_reviews")
    op.drop_table("order_lines")
    with op.batch_alter_table("orders") as batch_op:
        for name in reversed(_LIST_INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index("ix_orders_customer_org_id", ["customer_org_id"], unique=False)
        for column in (
            "version",
            "settled_at",
            "invoiced_at",
            "settled_fen",
            "invoiced_fen",
            "extension",
            "tax_rate_bp",
            "seller",
            "counterparty_id",
            "counterparty_name",
        ):
            batch_op.drop_column(column)
