"""orders keep the settlement list that bills them

A settlement list's billing order and the deals it lists carry the list's id: finance's events
on the billing order move its deals too, and their money all in closes them
(docs/order-lifecycle.md).

Revision ID: orders_0012
Revises: orders_0011
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0012"
down_revision = "orders_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("settlement_list_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_orders_settlement_list_id", ["settlement_list_id"])
    # Lists made before this revision: their billing orders and deals.
    op.execute(
        "UPDATE orders SET settlement_list_id = (SELECT l.id FROM settlement_lists l "
        "WHERE l.order_id = orders.id) WHERE id IN (SELECT order_id FROM settlement_lists)"
    )
    op.execute(
        "UPDATE orders SET settlement_list_id = (SELECT i.list_id FROM settlement_list_items i "
        "WHERE i.order_id = orders.id) WHERE id IN (SELECT order_id FROM settlement_list_items)"
    )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_settlement_list_id")
        batch.drop_column("settlement_list_id")
