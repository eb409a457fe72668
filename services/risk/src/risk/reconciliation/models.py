"""Reconciliation with the insurer (保司对账): a statement batch per institution, insurer and
period; its items are the assessments the insurer accepts, rejects or disputes; a confirmed
batch asks the order center for one receivable order, and when that order is settled, for one
payable promoter payout per promoter by the requests' explicit shares."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from risk.db import Base, JsonDocument, UtcDateTime


class ReconciliationBatch(Base):
    __tablename__ = "reconciliation_batches"
    __table_args__ = (Index("ix_reconciliation_batches_org", "org_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    batch_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    org_name: Mapped[str | None] = mapped_column(String(120))
    insurer_code: Mapped[str] = mapped_column(String(32))
    insurer_name: Mapped[str] = mapped_column(String(80))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    #: 评估服务费 per accepted assessment, billed to the insurer.
    unit_fee_fen: Mapped[int] = mapped_column(BigInteger)
    #: 推广服务费 per accepted assessment, split among its promoters by their shares.
    promoter_fee_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    order_no: Mapped[str | None] = mapped_column(String(32))
    order_status: Mapped[str | None] = mapped_column(String(20))
    rejected_code: Mapped[str | None] = mapped_column(String(64))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    items: Mapped[list[ReconciliationItem]] = relationship(
        lazy="selectin", order_by="ReconciliationItem.request_no", cascade="all, delete-orphan"
    )
    payouts: Mapped[list[PromoterPayout]] = relationship(
        lazy="selectin", order_by="PromoterPayout.subject", cascade="all, delete-orphan"
    )


class ReconciliationItem(Base):
    __tablename__ = "reconciliation_items"
    __table_args__ = (UniqueConstraint("batch_id", "request_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reconciliation_batches.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_requests.id"))
    request_no: Mapped[str] = mapped_column(String(32))
    assessment_no: Mapped[str] = mapped_column(String(40))
    vin: Mapped[str] = mapped_column(String(17))
    grade: Mapped[str] = mapped_column(String(8))
    result: Mapped[str] = mapped_column(String(16))  # pending | accepted | rejected | disputed
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_via: Mapped[str | None] = mapped_column(String(16))  # console | statement


class PromoterPayout(Base):
    """One promoter's fee for a settled batch: a payable order request, lines per request."""

    __tablename__ = "promoter_payouts"
    __table_args__ = (UniqueConstraint("batch_id", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    batch_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reconciliation_batches.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(80))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    #: [{request_no, share_bp, amount_fen}]: what the amount is made of.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    source_ref: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # requested | ordered | paid | rejected
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    order_no: Mapped[str | None] = mapped_column(String(32))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
