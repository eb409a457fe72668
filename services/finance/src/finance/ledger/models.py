"""Ledger (总账): chart of accounts per legal entity and immutable double-entry journal entries
(记账凭证). Amounts are integer fen; a line is either a debit or a credit, never both."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finance.db import Base
from servicekit.db import UtcDateTime


class LedgerAccount(Base):
    """One account of a legal entity's chart of accounts (会计科目)."""

    __tablename__ = "ledger_accounts"

    legal_entity: Mapped[str] = mapped_column(String(24), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: asset, liability, equity, revenue, cost — decides the balance's normal side.
    kind: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JournalEntry(Base):
    """A balanced journal entry (凭证). Never updated: corrected only by a reversing entry."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        # Posting the same business document twice returns the first entry.
        UniqueConstraint("source_type", "source_id", name="uq_journal_entries_source"),
        Index("ix_journal_entries_legal_entity_entry_date", "legal_entity", "entry_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    legal_entity: Mapped[str] = mapped_column(String(24))
    entry_date: Mapped[date] = mapped_column(Date)
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    memo: Mapped[str] = mapped_column(String(200))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    #: Set on a reversing entry: the entry it mirrors. Unique, so an entry is reversed once.
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("journal_entries.id"), unique=True
    )
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    lines: Mapped[list[JournalLine]] = relationship(
        order_by="JournalLine.line_no", lazy="raise", back_populates="entry"
    )


class JournalLine(Base):
    """One line of an entry. Legal entity and date are copied from the entry so the reports
    aggregate lines alone, through their own indexes."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint(
            "debit_fen >= 0 AND credit_fen >= 0 AND (debit_fen = 0 OR credit_fen = 0) "
            "AND debit_fen + credit_fen > 0",
            name="one_side_positive",
        ),
        Index(
            "ix_journal_lines_entity_account_date",
            "legal_entity",
            "account_code",
            "entry_date",
            postgresql_include=["counterparty_org_id", "debit_fen", "credit_fen"],
        ),
        # The open month's lines of every account, read index-only by the reports.
        Index(
            "ix_journal_lines_entity_date",
            "legal_entity",
            "entry_date",
            postgresql_include=["account_code", "counterparty_org_id", "debit_fen", "credit_fen"],
        ),
        Index(
            "ix_journal_lines_entity_counterparty_account",
            "legal_entity",
            "counterparty_org_id",
            "account_code",
            "entry_date",
            postgresql_include=["debit_fen", "credit_fen"],
        ),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("journal_entries.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    legal_entity: Mapped[str] = mapped_column(String(24))
    entry_date: Mapped[date] = mapped_column(Date)
    account_code: Mapped[str] = mapped_column(String(20))
    debit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    counterparty_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    memo: Mapped[str | None] = mapped_column(String(200))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines", lazy="raise")


class LedgerClosing(Base):
    """A closed month (结账) of a legal entity: no entry may be dated in it any more, and its
    movements are kept summed in ledger_month_balances for the reports."""

    __tablename__ = "ledger_closings"

    legal_entity: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: First day of the month closed.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    closed_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MonthBalance(Base):
    """A closed month's debits and credits per account and counterparty."""

    __tablename__ = "ledger_month_balances"
    __table_args__ = (
        Index(
            "ix_ledger_month_balances_entity_account_month",
            "legal_entity",
            "account_code",
            "month",
            postgresql_include=["debit_fen", "credit_fen"],
        ),
        Index(
            "ix_ledger_month_balances_entity_counterparty",
            "legal_entity",
            "counterparty_org_id",
            "account_code",
            "month",
            postgresql_include=["debit_fen", "credit_fen"],
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    legal_entity: Mapped[str] = mapped_column(String(24))
    month: Mapped[date] = mapped_column(Date)
    account_code: Mapped[str] = mapped_column(String(20))
    counterparty_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)


class ClosingBalance(Base):
    """Debits and credits from the first entry through a closed month's last day, per account
    and counterparty: a row for every account and counterparty with any history by then, so
    any span of closed months is the difference of two months' rows."""

    __tablename__ = "ledger_closing_balances"
    __table_args__ = (
        Index(
            "ix_ledger_closing_balances_entity_month",
            "legal_entity",
            "month",
            "counterparty_org_id",
            "account_code",
            postgresql_include=["debit_fen", "credit_fen"],
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    legal_entity: Mapped[str] = mapped_column(String(24))
    #: First day of the closed month.
    month: Mapped[date] = mapped_column(Date)
    account_code: Mapped[str] = mapped_column(String(20))
    counterparty_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)
