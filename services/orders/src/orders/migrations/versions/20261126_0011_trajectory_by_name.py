"""the trajectory keeps the name of who took each step beside its id

The gateway's internal token names the caller (a user's display name, a partner client's
name); a step taken through a request stores it, so the trajectory reads 张三, not a user id.
Older rows and steps finance's events caused have none.

Revision ID: orders_0011
Revises: orders_0010
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "orders_0011"
down_revision = "orders_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_status_changes") as batch:
        batch.add_column(sa.Column("by_name", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_status_changes") as batch:
        batch.drop_column("by_name")
