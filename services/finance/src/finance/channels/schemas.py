"""Channel bills and reconciliation API models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel


class ChannelBillRead(BaseModel):
    id: uuid.UUID
    channel: str
    merchant_id: str
    legal_entity: str
    bill_date: date
    filename: str
    line_count: int
    total_amount: Decimal
    refund_amount: Decimal
    fee: Decimal
    imported_by: str
    imported_at: datetime
    reconciled_by: str | None
    reconciled_at: datetime | None
    already_imported: bool = False


class ReconciliationItemRead(BaseModel):
    merchant_order_no: str
    outcome: str
    kind: str
    bill_amount: Decimal | None
    book_amount: Decimal | None
    fee: Decimal
    receipt_id: uuid.UUID | None
    payment_request_id: uuid.UUID | None


class ReconciliationRead(BaseModel):
    bill: ChannelBillRead
    counts: dict[str, int]
    fee_posted: Decimal
    items: list[ReconciliationItemRead]
