"""Invoice applications (开票申请), blue and red-letter invoices (蓝字/红字发票), in integer fen.

Amounts are tax-inclusive (价税合计); `tax_fen` is the VAT inside them. Each document records
its split across orders (`*_shares`), which is what the order center is told and what the
un-invoiced remainder of an order is checked against.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finance.db import Base
from servicekit.db import UtcDateTime


class ApplicationStatus(StrEnum):
    applied = "applied"  # 已申请
    issued = "issued"  # 已开票
    rejected = "rejected"  # 已驳回
    withdrawn = "withdrawn"  # 已撤回


class InvoiceKind(StrEnum):
    blue = "blue"  # 蓝字发票
    red = "red"  # 红字发票


class BuyerProfile(Base):
    """An institution's invoicing details (开票信息), used for applications made automatically."""

    __tablename__ = "invoice_buyers"

    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    bank_account: Mapped[str | None] = mapped_column(String(300))
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvoiceApplication(Base):
    __tablename__ = "invoice_applications"
    __table_args__ = (
        Index("ix_invoice_applications_org_applied", "customer_org_id", "applied_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), unique=True)
    legal_entity: Mapped[str] = mapped_column(String(24))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    invoice_type: Mapped[str] = mapped_column(String(16))
    buyer_name: Mapped[str | None] = mapped_column(String(200))
    buyer_tax_id: Mapped[str | None] = mapped_column(String(20))
    buyer_address: Mapped[str | None] = mapped_column(String(300))
    buyer_bank_account: Mapped[str | None] = mapped_column(String(300))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(300))
    #: Applications made from a settlement list keep its id: one application per list.
    settlement_list_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    applied_by: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))

    lines: Mapped[list[InvoiceApplicationLine]] = relationship(
        order_by="InvoiceApplicationLine.line_no", lazy="raise"
    )


class InvoiceApplicationLine(Base):
    __tablename__ = "invoice_application_lines"

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("invoice_applications.id"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    description: Mapped[str] = mapped_column(String(200))
    #: 税收分类编码, 19 digits.
    tax_code: Mapped[str] = mapped_column(String(19))
    #: VAT rate in basis points (600 = 6%).
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)


class Invoice(Base):
    """An issued invoice: blue for an application, red reversing (part of) a blue one."""

    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_org_issue_date", "customer_org_id", "issue_date"),
        Index("ix_invoices_entity_issue_date", "legal_entity", "issue_date"),
        CheckConstraint("reversed_fen >= 0 AND reversed_fen <= amount_fen", name="red_within_blue"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    invoice_no: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("invoice_applications.id"), index=True
    )
    original_invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("invoices.id"), index=True
    )
    legal_entity: Mapped[str] = mapped_column(String(24))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    #: Blue invoices: how much red-letter invoices have reversed so far (never above amount).
    reversed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_tax_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    issue_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(String(300))
    journal_entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issued_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)

    shares: Mapped[list[InvoiceShare]] = relationship(
        order_by="InvoiceShare.order_id", lazy="raise"
    )


class InvoiceShare(Base):
    """An order's part of an invoice (amount and the tax inside it), positive for both kinds."""

    __tablename__ = "invoice_shares"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id"), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)


class InvoiceNumberCounter(Base):
    """Per-day counter behind application numbers (IA + yyyymmdd + 6 digits)."""

    __tablename__ = "invoice_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
