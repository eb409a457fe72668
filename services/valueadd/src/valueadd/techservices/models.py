"""其他技术服务: technical-service contracts (TPA / 广告), their payees and rates, the service
orders imported in the order center that a contract covers, and the payouts asked for them.

A contract (`contract_no`, per owning institution) covers the orders the order center imports
for one customer institution from one source system (`order_source`, the import's 来源系统).
It is versioned: a new version (payees, rates, payout mode, from a Shanghai day) never rewrites
an old one; an order takes the version in force on its sign date (else its creation day).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_schemas import uuid7
from valueadd.common.types import UtcDateTime
from valueadd.db import Base


class ServiceType(StrEnum):
    tpa = "tpa"  # TPA 服务
    advertising = "advertising"  # 广告


class PayoutMode(StrEnum):
    #: (a) flow 8: payment records (payable orders) from the settled orders pay the payees.
    payment_records = "payment_records"  # 付款记录
    #: (b) flow 9: the payable orders go on the service staff's balance; they withdraw it.
    self_withdrawal = "self_withdrawal"  # 自主提现


class PayeeKind(StrEnum):
    service_staff = "service_staff"  # 服务人员
    promoter = "promoter"  # 推广人员


class RateKind(StrEnum):
    share = "share"  # 按订单金额比例
    fixed = "fixed"  # 每单固定金额


class TechContract(Base):
    """One version of a technical-service contract."""

    __tablename__ = "va_tech_contracts"
    __table_args__ = (
        UniqueConstraint("org_id", "contract_no", "version", name="uq_va_tech_contracts_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    contract_no: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    customer_name: Mapped[str] = mapped_column(String(100))
    service_type: Mapped[str] = mapped_column(String(20))
    order_source: Mapped[str] = mapped_column(String(40))
    payout_mode: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    payees: Mapped[list[TechPayee]] = relationship(
        order_by="TechPayee.seq", lazy="selectin", cascade="all, delete-orphan"
    )


class TechPayee(Base):
    """Who a contract version pays, and how much: a share of the order amount (basis points)
    or a fixed amount per order (fen)."""

    __tablename__ = "va_tech_contract_payees"
    __table_args__ = (
        UniqueConstraint("contract_id", "subject", name="uq_va_tech_contract_payees_subject"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    contract_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("va_tech_contracts.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    rate_kind: Mapped[str] = mapped_column(String(10))
    share_bp: Mapped[int | None] = mapped_column(Integer)
    fixed_fen: Mapped[int | None] = mapped_column(BigInteger)


class TechServiceOrder(Base):
    """A service order imported in the order center that a contract covers, as its events tell."""

    __tablename__ = "va_tech_service_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("va_tech_contracts.id"))
    contract_no: Mapped[str] = mapped_column(String(30))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    source_service: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(120))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    sign_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    #: When the payees' payable orders were asked for (once: the order's first settled/closed).
    payouts_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TechPayout(Base):
    """One payee's payable order asked for one settled service order (source ref
    `tech-payout:<contract no.>:<order no.>:<subject>`)."""

    __tablename__ = "va_tech_payouts"

    source_ref: Mapped[str] = mapped_column(String(120), primary_key=True)
    service_order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("va_tech_service_orders.order_id"), index=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("va_tech_contracts.id"))
    payee_kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(100))
    payout_mode: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: Self-withdrawal: when the payable order was put on the staff balance (event to finance).
    credited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
