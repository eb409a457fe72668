"""Receipts (收款), their allocations to orders (分配记录), and what matching learns and uses."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base
from servicekit.db import UtcDateTime


class ReceiptStatus(StrEnum):
    """Derived from the amounts only (`status_of`), never set by hand."""

    outstanding = "outstanding"  # 待分配
    partially_allocated = "partially_allocated"  # 部分分配
    allocated = "allocated"  # 已分配


def status_of(amount_fen: int, allocated_fen: int) -> ReceiptStatus:
    if allocated_fen == 0:
        return ReceiptStatus.outstanding
    if allocated_fen < amount_fen:
        return ReceiptStatus.partially_allocated
    return ReceiptStatus.allocated


class ReceiptSource(StrEnum):
    bank = "bank"  # an incoming bank statement line
    wechat = "wechat"  # WeChat Pay (money lands on the channel balance, 1012)
    alipay = "alipay"


class MatchRule(StrEnum):
    reference = "reference"  # order/invoice number in 摘要 + exact amount
    payer = "payer"  # known payer name + exact amount
    tolerance = "tolerance"  # reference or payer, underpaid within the tolerance
    manual = "manual"


class Receipt(Base):
    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "allocated_fen >= 0 AND allocated_fen <= amount_fen", name="allocated_within_amount"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(120), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    statement_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    bank_account: Mapped[str | None] = mapped_column(String(40))
    legal_entity: Mapped[str] = mapped_column(String(32))
    #: Where the money sits: 1002 bank (or a sub-account), 1012 a payment channel's balance.
    ledger_account: Mapped[str] = mapped_column(String(20))
    merchant_order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_account: Mapped[str] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    allocated_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(24), index=True)
    #: In the "to check" queue (待核对): automatic matching found nothing safe.
    to_check: Mapped[bool] = mapped_column(Boolean, index=True)
    #: The paying institution once known (matched); unknown payers are seen by operators only.
    customer_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Allocation(Base):
    """Part of a receipt put against one order (and, when known, one of its invoices)."""

    __tablename__ = "receipt_allocations"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: Several order lines allocated in one step share it (one event, one journal entry).
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    receipt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receipts.id"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    order_no: Mapped[str] = mapped_column(String(32))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    #: The invoice (other module's id; no foreign key) the money answers, when matched by it.
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    #: Underpayment accepted by the tolerance rule; it stays outstanding on the order.
    shortfall_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    rule: Mapped[str] = mapped_column(String(16))
    allocated_by: Mapped[str] = mapped_column(String(120))
    allocated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reversed_by: Mapped[str | None] = mapped_column(String(120))
    reversed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reversal_reason: Mapped[str | None] = mapped_column(String(200))


class PayerAccount(Base):
    """A bank payer (对方户名/账号) known to be an institution: matching rule 2 uses it;
    manual matches teach it."""

    __tablename__ = "payer_accounts"
    __table_args__ = (UniqueConstraint("payer_name", "payer_account"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    payer_name: Mapped[str] = mapped_column(String(200), index=True)
    payer_account: Mapped[str] = mapped_column(String(64))  # '' when any account of that name
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CashSetting(Base):
    """Configurable numbers of the cash modules, e.g. the underpayment tolerance in fen."""

    __tablename__ = "cash_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
