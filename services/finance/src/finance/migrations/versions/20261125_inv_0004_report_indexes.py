"""ledger: covering indexes for the reports (PostgreSQL)

The reports sum journal lines by legal entity, account, customer and date. On PostgreSQL the two
line indexes also carry the amounts (INCLUDE), so the sums are index-only scans instead of a
heap visit per line; SQLite keeps the plain indexes.

Revision ID: finance_inv_0004
Revises: finance_inv_0003
Create Date: 2026-11-25
"""

from alembic import op

revision = "finance_inv_0004"
down_revision = "finance_inv_0003"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_journal_lines_entity_account_date": [
        "legal_entity",
        "account_code",
        "entry_date",
    ],
    "ix_journal_lines_entity_counterparty_account": [
        "legal_entity",
        "counterparty_org_id",
        "account_code",
        "entry_date",
    ],
}
_INCLUDE = ["debit_fen", "credit_fen"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="journal_lines")
        op.create_index(name, "journal_lines", columns, postgresql_include=_INCLUDE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="journal_lines")
        op.create_index(name, "journal_lines", columns)
