"""Payment requests (付款申请) with their approval chain, fund transfers between our own
accounts (资金转账), service staff's balances and withdrawals (自主提现), and institutions'
balances with top-ups (机构充值)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base
from servicekit.db import UtcDateTime


class PayeeType(StrEnum):
    merchant = "merchant"  # 商户
    promoter = "promoter"  # 推广人员
    service_staff = "service_staff"  # 服务人员


class PaymentStatus(StrEnum):
    pending = "pending"  # 待审批 (approvals still missing)
    approved = "approved"  # 已审批, waiting for the bank
    paid = "paid"  # 已付款
    rejected = "rejected"  # 已驳回


class ApprovalLevel(Base):
    """From `min_amount_fen` up, a request needs `approvals_required` distinct approvers."""

    __tablename__ = "approval_levels"

    min_amount_fen: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    approvals_required: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PaymentRequest(Base):
    __tablename__ = "payment_requests"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    request_no: Mapped[str] = mapped_column(String(32), unique=True)
    payee_type: Mapped[str] = mapped_column(String(16))
    payee_id: Mapped[str] = mapped_column(String(64))
    payee_name: Mapped[str] = mapped_column(String(200))
    payee_bank_account: Mapped[str] = mapped_column(String(64))
    payee_bank_name: Mapped[str] = mapped_column(String(120))
    #: Our account the money leaves from (bank_accounts.account_no) and its legal entity.
    payer_bank_account: Mapped[str] = mapped_column(String(40))
    legal_entity: Mapped[str] = mapped_column(String(32))
    #: The institution whose payable orders this pays (scoping).
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    approvals_required: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: 'request' (made by a clerk) or 'withdrawal' (a service staff's 自主提现).
    origin: Mapped[str] = mapped_column(String(16))
    merchant_order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    bank_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    paid_by: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejected_by: Mapped[str | None] = mapped_column(String(120))
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))


class PaymentRequestLine(Base):
    __tablename__ = "payment_request_lines"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_requests.id"), primary_key=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    order_no: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class PaymentApproval(Base):
    __tablename__ = "payment_approvals"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payment_requests.id"), primary_key=True
    )
    approver: Mapped[str] = mapped_column(String(120), primary_key=True)
    step: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FundTransfer(Base):
    """Money moved between two of our own bank accounts."""

    __tablename__ = "fund_transfers"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    transfer_no: Mapped[str] = mapped_column(String(32), unique=True)
    from_account: Mapped[str] = mapped_column(String(40), index=True)
    to_account: Mapped[str] = mapped_column(String(40), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bank_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    memo: Mapped[str | None] = mapped_column(String(500))
    transferred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffCredit(Base):
    """A payable order credited to a service staff's balance; withdrawals draw on it."""

    __tablename__ = "staff_credits"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "withdrawn_fen >= 0 AND withdrawn_fen <= amount_fen", name="withdrawn_within_amount"
        ),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    withdrawn_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrgBalanceEntry(Base):
    """An institution's balance statement line (机构余额流水): top-ups add, spending takes."""

    __tablename__ = "org_balance_entries"
    __table_args__ = (
        CheckConstraint("balance_after_fen >= 0", name="never_negative"),
        # Two concurrent writers of one institution's balance collide here, never interleave.
        UniqueConstraint("org_id", "seq"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # top_up | spend
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    bank_account: Mapped[str | None] = mapped_column(String(40))
    memo: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
