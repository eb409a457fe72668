"""sample service: outbox/inbox tables and a small `notes` table.

Revision ID: sksample_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from servicekit.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "sksample_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )


def downgrade() -> None:
    op.drop_table("notes")
    drop_messaging_tables_v1()
