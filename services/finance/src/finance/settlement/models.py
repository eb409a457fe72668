"""Settlement items (结算项): every order finance must invoice, collect or pay, in integer fen."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base


class SettlementItem(Base):
    __tablename__ = "settlement_items"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    category: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    #: On invoice applications not yet decided (开票申请中).
    invoice_pending_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Invoiced net: blue invoices less red-letter ones. amount − pending − invoiced is the
    #: un-invoiced remainder a new application may take.
    invoiced_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    account_code: Mapped[str] = mapped_column(String(20))
    source_event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountMapping(Base):
    """Which ledger account an order of a category and direction posts to (应收/应付 …)."""

    __tablename__ = "account_mappings"

    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16), primary_key=True)
    account_code: Mapped[str] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
