"""Exchange with Yonyou U8 (用友): voucher export batches, what each included (every journal
entry is exported once), partner codes, and AR/AP settlement data imported back."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from finance.db import Base
from servicekit.db import UtcDateTime


class ExportBatch(Base):
    __tablename__ = "yonyou_export_batches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    legal_entity: Mapped[str] = mapped_column(String(24))
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    voucher_types: Mapped[str] = mapped_column(String(8))
    voucher_count: Mapped[int] = mapped_column(Integer)
    line_count: Mapped[int] = mapped_column(Integer)
    debit_total_fen: Mapped[int] = mapped_column(BigInteger)
    #: The voucher file as generated (text; served encoded in GB18030, as U8 reads it).
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExportedEntry(Base):
    """A journal entry's place in an export: the primary key makes the export once-only."""

    __tablename__ = "yonyou_exported_entries"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("journal_entries.id"), primary_key=True
    )
    batch_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("yonyou_export_batches.id"), index=True
    )
    voucher_type: Mapped[str] = mapped_column(String(2))
    voucher_no: Mapped[int] = mapped_column(Integer)


class PartnerCode(Base):
    """An institution's customer/supplier code in U8 (客户编码/供应商编码)."""

    __tablename__ = "yonyou_partner_codes"

    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_code: Mapped[str | None] = mapped_column(String(20), index=True)
    supplier_code: Mapped[str | None] = mapped_column(String(20), index=True)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class YonyouSettlement(Base):
    """An AR/AP settlement document imported from U8 (收款单/付款单 核销), recorded once."""

    __tablename__ = "yonyou_settlements"
    __table_args__ = (
        UniqueConstraint("legal_entity", "side", "doc_no", name="uq_yonyou_settlements_doc"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    legal_entity: Mapped[str] = mapped_column(String(24))
    side: Mapped[str] = mapped_column(String(12))  # receivable | payable
    doc_no: Mapped[str] = mapped_column(String(40))
    doc_date: Mapped[date] = mapped_column(Date)
    partner_code: Mapped[str] = mapped_column(String(20))
    counterparty_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str | None] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
