"""ledger: chart of accounts per legal entity, journal entries and lines

Seeds each legal entity's chart with the accounts finance posts to by default (codes of the
Chinese enterprise accounting standards; configurable afterwards through the API).

Revision ID: finance_inv_0001
Revises: finance_0002
Create Date: 2026-11-25
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "finance_inv_0001"
down_revision = "finance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("legal_entity", sa.String(length=24), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("legal_entity", "code", name=op.f("pk_ledger_accounts")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("legal_entity", sa.String(length=24), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("reverses_entry_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_entries_reverses_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("reverses_entry_id", name=op.f("uq_journal_entries_reverses_entry_id")),
        sa.UniqueConstraint("source_type", "source_id", name="uq_journal_entries_source"),
    )
    op.create_index(
        "ix_journal_entries_legal_entity_entry_date",
        "journal_entries",
        ["legal_entity", "entry_date"],
    )
    op.create_table(
        "journal_lines",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("legal_entity", sa.String(length=24), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("account_code", sa.String(length=20), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("counterparty_org_id", sa.Uuid(), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "debit_fen >= 0 AND credit_fen >= 0 AND (debit_fen = 0 OR credit_fen = 0) "
            "AND debit_fen + credit_fen > 0",
            name=op.f("ck_journal_lines_one_side_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_journal_lines_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "line_no", name=op.f("pk_journal_lines")),
    )
    op.create_index(
        "ix_journal_lines_entity_account_date",
        "journal_lines",
        ["legal_entity", "account_code", "entry_date"],
    )
    op.create_index(
        "ix_journal_lines_entity_counterparty_account",
        "journal_lines",
        ["legal_entity", "counterparty_org_id", "account_code", "entry_date"],
    )
    _seed_chart_of_accounts()


# Frozen here on purpose: later chart changes come through the API or their own migration.
_LEGAL_ENTITIES = ("agency_company", "technology_company")
_DEFAULT_CHART = (
    ("1002", "银行存款", "asset"),
    ("1012", "其他货币资金", "asset"),  # balances held at WeChat Pay / Alipay
    ("1122", "应收账款", "asset"),
    ("1221", "其他应收款", "asset"),
    ("2202", "应付账款", "liability"),
    ("2221", "应交税费—应交增值税(销项税额)", "liability"),
    ("2241", "其他应付款", "liability"),  # institutions' prepaid balances (机构充值)
    ("6001", "主营业务收入", "revenue"),
    ("6401", "主营业务成本", "cost"),
    ("6603", "财务费用", "cost"),  # channel fees
)


def _seed_chart_of_accounts() -> None:
    accounts = sa.table(
        "ledger_accounts",
        sa.column("legal_entity", sa.String),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("updated_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        accounts,
        [
            {
                "legal_entity": entity,
                "code": code,
                "name": name,
                "kind": kind,
                "active": True,
                "updated_by": "migration",
                "updated_at": now,
            }
            for entity in _LEGAL_ENTITIES
            for code, name, kind in _DEFAULT_CHART
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_journal_lines_entity_counterparty_account", table_name="journal_lines")
    op.drop_index("ix_journal_lines_entity_account_date", table_name="journal_lines")
    op.drop_table("journal_lines")
    op.drop_index("ix_journal_entries_legal_entity_entry_date", table_name="journal_entries")
    op.drop_table("journal_entries")
    op.drop_table("ledger_accounts")
