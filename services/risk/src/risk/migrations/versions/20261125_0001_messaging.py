"""risk: outbox and inbox tables.

Revision ID: risk_0001
Revises:
Create Date: 2026-11-25
"""

from servicekit.migrations import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "risk_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1()


def downgrade() -> None:
    drop_messaging_tables_v1()
