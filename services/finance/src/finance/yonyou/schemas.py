from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_schemas import SellingEntity


class VoucherTypes(StrEnum):
    single = "记"  # every voucher a 记账凭证
    by_cash = "收付转"  # 收款/付款/转账凭证 by cash movement


class ExportWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legal_entity: SellingEntity
    date_to: date = Field(description="Entries dated up to this day (inclusive).")
    date_from: date | None = None
    voucher_types: VoucherTypes = VoucherTypes.single
    limit: int = Field(default=5_000, ge=1, le=50_000, description="Entries per batch at most.")


class ExportRead(BaseModel):
    id: uuid.UUID
    legal_entity: SellingEntity
    date_from: date | None
    date_to: date
    voucher_types: VoucherTypes
    voucher_count: int
    line_count: int
    debit_total: Decimal
    created_by: str
    created_at: datetime
    file: str = Field(description="Path of the voucher file (GB18030 CSV).")


class PartnerWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_code: str | None = Field(default=None, min_length=1, max_length=20)
    supplier_code: str | None = Field(default=None, min_length=1, max_length=20)


class PartnerRead(PartnerWrite):
    model_config = ConfigDict(from_attributes=True)

    org_id: uuid.UUID
    updated_by: str
    updated_at: datetime


class ImportResult(BaseModel):
    legal_entity: SellingEntity
    rows: int
    imported: int
    duplicates: int
    amount: Decimal = Field(description="Sum of the rows newly imported.")
    unknown_partner_codes: list[str] = Field(
        description="Codes with no institution mapped; recorded without counterparty."
    )


class SettlementTotal(BaseModel):
    side: str
    partner_code: str
    counterparty_org_id: uuid.UUID | None
    documents: int
    amount: Decimal
