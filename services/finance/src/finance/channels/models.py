"""Payment-channel bills (WeChat Pay, Alipay merchant bills) and their reconciliation
(支付渠道对账) against our receipts and payments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base
from servicekit.db import UtcDateTime


class Channel(StrEnum):
    wechat = "wechat"
    alipay = "alipay"


class Outcome(StrEnum):
    matched = "matched"
    amount_mismatch = "amount_mismatch"
    missing_in_books = "missing_in_books"  # in the bill, no receipt/payment of ours
    missing_in_bill = "missing_in_bill"  # ours, absent from the channel's bill


class ChannelBill(Base):
    __tablename__ = "channel_bills"
    # One bill per merchant account and day: a second download of it is the same bill.
    __table_args__ = (UniqueConstraint("channel", "merchant_id", "bill_date"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    merchant_id: Mapped[str] = mapped_column(String(64))
    #: The company whose merchant account it is (fees are its financial expenses).
    legal_entity: Mapped[str] = mapped_column(String(32))
    bill_date: Mapped[date] = mapped_column(Date, index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    line_count: Mapped[int] = mapped_column(Integer)
    #: As the bill's own summary states them (checked against the lines on import).
    total_amount_fen: Mapped[int] = mapped_column(BigInteger)
    refund_amount_fen: Mapped[int] = mapped_column(BigInteger)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reconciled_by: Mapped[str | None] = mapped_column(String(120))
    reconciled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChannelBillLine(Base):
    __tablename__ = "channel_bill_lines"
    __table_args__ = (UniqueConstraint("channel", "channel_txn_no", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    bill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel_bills.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_txn_no: Mapped[str] = mapped_column(String(64))  # 微信订单号 / 支付宝交易号
    merchant_order_no: Mapped[str] = mapped_column(String(64), index=True)  # 商户订单号
    kind: Mapped[str] = mapped_column(String(16))  # payment | refund
    status: Mapped[str] = mapped_column(String(32))  # 交易状态 / 业务类型 as written
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # 应结订单金额 / 订单金额
    fee_fen: Mapped[int] = mapped_column(BigInteger)  # 手续费 / 服务费
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReconciliationItem(Base):
    """One finding of a bill's reconciliation run (re-running replaces the bill's findings)."""

    __tablename__ = "channel_reconciliation_items"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    bill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel_bills.id"), index=True)
    merchant_order_no: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # payment (money in) | payout (money out)
    bill_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    book_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    receipt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payment_request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
