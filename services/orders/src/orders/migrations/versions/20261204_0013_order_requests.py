"""order_requests: every order request a business service sent, and what became of it

One row per received `<service>.order_request.submitted` event: created (the order made),
repeated (an earlier order with the same source reference and content), rejected (no order:
the code and reason) or conflict (the reference already made an order with other content).

Revision ID: orders_0013
Revises: orders_0012
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0013"
down_revision = "orders_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("source_service", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("source_no", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("customer_org_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("order_no", sa.String(length=32), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_requests")),
        sa.UniqueConstraint("event_id", name=op.f("uq_order_requests_event_id")),
    )
    op.create_index(
        "ix_order_requests_outcome_org_received",
        "order_requests",
        ["outcome", "customer_org_id", "received_at", "id"],
    )
    op.create_index("ix_order_requests_source", "order_requests", ["source_service", "source_ref"])


def downgrade() -> None:
    op.drop_index("ix_order_requests_source", table_name="order_requests")
    op.drop_index("ix_order_requests_outcome_org_received", table_name="order_requests")
    op.drop_table("order_requests")
