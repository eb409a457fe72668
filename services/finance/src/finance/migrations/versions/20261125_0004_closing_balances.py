"""ledger: cumulative balances at each closed month; journal lines indexed by date

A closed month keeps, per account and counterparty, the debits and credits summed from the
first entry through its last day (a row for every account and counterparty with any history,
moved or not), so a report needs two of these rows per customer and account for any span of
closed months, and journal lines only for the open month. Journal lines get a covering index by
(legal entity, date) for the open-month reads of every account, and the (legal entity, account,
date) index carries the counterparty so aging reads it index-only.

Revision ID: finance_0004
Revises: finance_0003
Create Date: 2026-11-25
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "finance_0004"
down_revision = "finance_0003"
branch_labels = None
depends_on = None

# The previous month's cumulative rows plus this month's movements, per account and counterparty.
_ROLL_FORWARD = sa.text(
    "INSERT INTO ledger_closing_balances (legal_entity, month, account_code, "
    "counterparty_org_id, debit_fen, credit_fen) "
    "SELECT :entity, :month, account_code, counterparty_org_id, SUM(debit_fen), SUM(credit_fen) "
    "FROM (SELECT account_code, counterparty_org_id, debit_fen, credit_fen "
    "      FROM ledger_closing_balances WHERE legal_entity = :entity AND month = :previous "
    "      UNION ALL "
    "      SELECT account_code, counterparty_org_id, debit_fen, credit_fen "
    "      FROM ledger_month_balances WHERE legal_entity = :entity AND month = :month) AS m "
    "GROUP BY account_code, counterparty_org_id"
).bindparams(sa.bindparam("month", type_=sa.Date()), sa.bindparam("previous", type_=sa.Date()))


def upgrade() -> None:
    op.create_table(
        "ledger_closing_balances",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_closing_balances")),
    )
    op.create_index(
        "ix_ledger_closing_balances_entity_month",
        "ledger_closing_balances",
        ["legal_entity", "month", "counterparty_org_id", "account_code"],
        postgresql_include=["debit_fen", "credit_fen"],
    )
    bind = op.get_bind()
    closings = bind.execute(
        sa.text(
            "SELECT legal_entity, month FROM ledger_closings ORDER BY legal_entity, month"
        ).columns(legal_entity=sa.String(), month=sa.Date())
    ).all()
    previous: dict[str, date] = {}
    for entity, month in closings:  # oldest first: each month rolls its predecessor forward
        before = previous.get(entity, date(1900, 1, 1))
        bind.execute(_ROLL_FORWARD, {"entity": entity, "month": month, "previous": before})
        previous[entity] = month

    op.create_index(
        "ix_journal_lines_entity_date",
        "journal_lines",
        ["legal_entity", "entry_date"],
        postgresql_include=["account_code", "counterparty_org_id", "debit_fen", "credit_fen"],
    )
    op.drop_index("ix_journal_lines_entity_account_date", table_name="journal_lines")
    op.create_index(
        "ix_journal_lines_entity_account_date",
        "journal_lines",
        ["legal_entity", "account_code", "entry_date"],
        postgresql_include=["counterparty_org_id", "debit_fen", "credit_fen"],
    )


def downgrade() -> None:
    op.drop_index("ix_journal_lines_entity_account_date", table_name="journal_lines")
    op.create_index(
        "ix_journal_lines_entity_account_date",
        "journal_lines",
        ["legal_entity", "account_code", "entry_date"],
        postgresql_include=["debit_fen", "credit_fen"],
    )
    op.drop_index("ix_journal_lines_entity_date", table_name="journal_lines")
    op.drop_index("ix_ledger_closing_balances_entity_month", table_name="ledger_closing_balances")
    op.drop_table("ledger_closing_balances")
