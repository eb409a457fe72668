from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_schemas import SellingEntity
from shared_schemas.money import AmountCNY


class AccountKind(StrEnum):
    asset = "asset"  # 资产
    liability = "liability"  # 负债
    equity = "equity"  # 所有者权益
    revenue = "revenue"  # 收入
    cost = "cost"  # 成本费用


class AccountWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["应收账款"])
    kind: AccountKind
    active: bool = True


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    legal_entity: SellingEntity
    code: str
    name: str
    kind: AccountKind
    active: bool
    updated_by: str
    updated_at: datetime


class LineWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_code: str = Field(pattern=r"^[0-9]{4,20}$")
    debit: AmountCNY = Field(default=Decimal(0), ge=0)
    credit: AmountCNY = Field(default=Decimal(0), ge=0)
    counterparty_org_id: uuid.UUID | None = None
    memo: str | None = Field(default=None, max_length=200)


class ManualEntryWrite(BaseModel):
    """A manual journal entry (手工凭证); `reference` makes a retried request post once."""

    model_config = ConfigDict(extra="forbid")

    legal_entity: SellingEntity
    entry_date: date
    reference: str = Field(min_length=1, max_length=80, description="Idempotency key.")
    memo: str = Field(min_length=1, max_length=200)
    lines: list[LineWrite] = Field(min_length=2, max_length=200)


class ReversalWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=150)
    entry_date: date | None = Field(default=None, description="Default: today (Shanghai).")


class LineRead(BaseModel):
    line_no: int
    account_code: str
    debit: Decimal
    credit: Decimal
    counterparty_org_id: uuid.UUID | None
    memo: str | None


class EntryRead(BaseModel):
    id: uuid.UUID
    legal_entity: SellingEntity
    entry_date: date
    source_type: str
    source_id: str
    memo: str
    total: Decimal
    reverses_entry_id: uuid.UUID | None
    created_by: str
    created_at: datetime
    lines: list[LineRead]


class ClosingWrite(BaseModel):
    """Close every open month of a legal entity through `month` (结账)."""

    model_config = ConfigDict(extra="forbid")

    legal_entity: SellingEntity
    month: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-10"])


class ClosingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    legal_entity: SellingEntity
    month: date
    lines: int
    closed_by: str
    closed_at: datetime
