"""ledger: month closing (结账) with per-month balances; invoices by legal entity and date

Closed months keep their movements summed per account and counterparty, so the reports read
those few rows for closed months and journal lines only for the open ones.

Revision ID: finance_inv_0005
Revises: finance_inv_0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "finance_inv_0005"
down_revision = "finance_inv_0004"
branch_labels = None
depends_on = None

_INCLUDE = ["debit_fen", "credit_fen"]


def upgrade() -> None:
    op.create_table(
        "ledger_closings",
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("closed_by", sa.String(120), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("legal_entity", "month", name=op.f("pk_ledger_closings")),
    )
    op.create_table(
        "ledger_month_balances",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("legal_entity", sa.String(24), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("account_code", sa.String(20), nullable=False),
        sa.Column("counterparty_org_id", sa.Uuid(), nullable=True),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_month_balances")),
    )
    op.create_index(
        "ix_ledger_month_balances_entity_account_month",
        "ledger_month_balances",
        ["legal_entity", "account_code", "month"],
        postgresql_include=_INCLUDE,
    )
    op.create_index(
        "ix_ledger_month_balances_entity_counterparty",
        "ledger_month_balances",
        ["legal_entity", "counterparty_org_id", "account_code", "month"],
        postgresql_include=_INCLUDE,
    )
    op.create_index("ix_invoices_entity_issue_date", "invoices", ["legal_entity", "issue_date"])


def downgrade() -> None:
    op.drop_index("ix_invoices_entity_issue_date", table_name="invoices")
    op.drop_index(
        "ix_ledger_month_balances_entity_counterparty", table_name="ledger_month_balances"
    )
    op.drop_index(
        "ix_ledger_month_balances_entity_account_month", table_name="ledger_month_balances"
    )
    op.drop_table("ledger_month_balances")
    op.drop_table("ledger_closings")
