"""Merchant statements (商户对账单): a merchant's redemptions of a period, confirmed or disputed
line by line; a confirmed statement asks for its payout (and the insurers' settlements).

Statement states (`TRANSITIONS`): open → confirmed → paid. Line states: pending → confirmed or
disputed (a disputed line's redemption is released at confirmation for a later statement).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import UtcDateTime
from valueadd.db import Base


class StatementStatus(StrEnum):
    open = "open"  # 待确认
    confirmed = "confirmed"  # 已确认
    paid = "paid"  # 已付款


class LineStatus(StrEnum):
    pending = "pending"  # 待确认
    confirmed = "confirmed"  # 已确认
    disputed = "disputed"  # 有异议


TRANSITIONS: dict[StatementStatus, frozenset[StatementStatus]] = {
    StatementStatus.open: frozenset({StatementStatus.confirmed}),
    StatementStatus.confirmed: frozenset({StatementStatus.paid}),
    StatementStatus.paid: frozenset(),
}
LINE_TRANSITIONS: dict[LineStatus, frozenset[LineStatus]] = {
    LineStatus.pending: frozenset({LineStatus.confirmed, LineStatus.disputed}),
    LineStatus.confirmed: frozenset({LineStatus.disputed}),
    LineStatus.disputed: frozenset({LineStatus.confirmed}),
}


class Statement(Base):
    __tablename__ = "va_statements"
    __table_args__ = (
        Index("ix_va_statements_merchant_org_created", "merchant_org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    statement_no: Mapped[str] = mapped_column(String(32), unique=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchants.id"), index=True)
    merchant_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    merchant_name: Mapped[str] = mapped_column(String(100))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    line_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    #: Sum of the confirmed lines once confirmed: the payout's amount.
    confirmed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StatementLine(Base):
    __tablename__ = "va_statement_lines"

    statement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("va_statements.id"), primary_key=True
    )
    redemption_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("va_redemptions.id"), primary_key=True
    )
    redemption_no: Mapped[str] = mapped_column(String(16))
    coupon_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    product_code: Mapped[str] = mapped_column(String(40))
    product_name: Mapped[str] = mapped_column(String(100))
    store_name: Mapped[str] = mapped_column(String(100))
    redeemed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    settlement_price_fen: Mapped[int] = mapped_column(BigInteger)
    insurer_price_fen: Mapped[int] = mapped_column(BigInteger)
    batch_kind: Mapped[str] = mapped_column(String(20))
    billed_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20))
    dispute_reason: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
