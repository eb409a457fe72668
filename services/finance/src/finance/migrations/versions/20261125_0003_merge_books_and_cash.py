"""finance: join the two branches built side by side (books: ledger, invoices, Yonyou, reports;
cash: statements, receipts, payments, channels). No schema change.

Revision ID: finance_0003
Revises: finance_cash_0001, finance_inv_0005
Create Date: 2026-11-25
"""

revision = "finance_0003"
down_revision = ("finance_cash_0001", "finance_inv_0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
