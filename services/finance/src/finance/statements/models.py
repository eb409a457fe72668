"""Bank accounts of our own companies and the bank statement lines (银行流水) imported for them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base
from servicekit.db import UtcDateTime


class BankAccount(Base):
    """One of our legal entities' bank accounts; statements are imported per account."""

    __tablename__ = "bank_accounts"

    account_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    bank_name: Mapped[str] = mapped_column(String(120))
    legal_entity: Mapped[str] = mapped_column(String(32))
    #: Ledger account of the money in it: 1002 银行存款 or a sub-account such as 100201.
    ledger_account: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BankStatementLine(Base):
    """One line of a bank's export, kept as the bank wrote it (amounts in fen)."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (UniqueConstraint("bank_account", "serial_no"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    bank_account: Mapped[str] = mapped_column(String(40))
    serial_no: Mapped[str] = mapped_column(String(64))  # 流水号
    transacted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    income_fen: Mapped[int] = mapped_column(BigInteger)  # 收入金额
    expense_fen: Mapped[int] = mapped_column(BigInteger)  # 支出金额
    counterparty_name: Mapped[str] = mapped_column(String(200))  # 对方户名
    counterparty_account: Mapped[str] = mapped_column(String(64))  # 对方账号
    memo: Mapped[str] = mapped_column(String(500))  # 摘要/附言
    balance_fen: Mapped[int | None] = mapped_column(BigInteger)  # 余额
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
