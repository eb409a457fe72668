"""Receipts API models. Amounts are yuan strings exact to the fen (`"1280.50"`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from finance.settlement.refs import OrderRef
from shared_schemas import AmountCNY, Money

MAX_YUAN = Decimal("9999999999.99")
_CENT = Decimal("0.01")


def _whole_fen(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("send a decimal string such as '12.50', not a JSON float or bool")
    if isinstance(value, str | int | Decimal):
        try:
            exact = Decimal(str(value).strip())
            if exact.is_finite() and exact != exact.quantize(_CENT):
                raise ValueError("use at most two decimal places (whole fen)")
        except InvalidOperation:
            pass  # not a number: AmountCNY reports it
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be positive")
    if value > MAX_YUAN:
        raise ValueError(f"must not exceed {MAX_YUAN}")
    return value


#: A positive amount in yuan, exact to the fen.
PositiveYuan = Annotated[AmountCNY, BeforeValidator(_whole_fen), AfterValidator(_positive)]


def to_fen(yuan: Decimal) -> int:
    return int(yuan * 100)


def to_yuan(fen: int) -> Decimal:
    return Money.from_fen(fen).amount


class AllocationLine(OrderRef):
    model_config = ConfigDict(extra="forbid")

    amount: PositiveYuan
    invoice_id: uuid.UUID | None = Field(
        default=None, description="The invoice this money answers, when known."
    )


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[AllocationLine] = Field(min_length=1, max_length=500)
    remember_payer: bool = Field(
        default=True,
        description="Remember the payer (对方户名/账号) as the orders' institution for matching.",
    )


class Unallocate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class ReceiptCreate(BaseModel):
    """A receipt that is not a bank line: money collected through a payment channel."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(pattern="^(wechat|alipay)$")]
    merchant_order_no: str = Field(min_length=1, max_length=64)
    legal_entity: Annotated[str, Field(pattern="^(agency_company|technology_company)$")]
    amount: PositiveYuan
    payer_name: str = Field(default="", max_length=200)
    memo: str = Field(default="", max_length=500)
    received_at: datetime


class AllocationRead(BaseModel):
    id: uuid.UUID
    batch_id: uuid.UUID
    receipt_id: uuid.UUID
    order_id: uuid.UUID
    order_no: str
    customer_org_id: uuid.UUID
    invoice_id: uuid.UUID | None
    amount: Decimal
    shortfall: Decimal
    rule: str
    allocated_by: str
    allocated_at: datetime
    reversed_by: str | None
    reversed_at: datetime | None
    reversal_reason: str | None


class ReceiptRead(BaseModel):
    id: uuid.UUID
    receipt_no: str
    source: str
    bank_account: str | None
    legal_entity: str
    merchant_order_no: str | None
    payer_name: str
    payer_account: str
    memo: str
    received_at: datetime
    amount: Decimal
    allocated: Decimal
    unallocated: Decimal
    status: str
    to_check: bool
    customer_org_id: uuid.UUID | None
    allocations: list[AllocationRead] | None = None


class MatchSuggestion(BaseModel):
    """An open receivable whose number (or invoice / application number) the memo quotes."""

    order_id: uuid.UUID
    order_no: str
    customer_org_id: uuid.UUID
    outstanding: Decimal
    reference: str = Field(description="The number found in the memo (order, invoice or 申请单号).")
    invoice_id: uuid.UUID | None = None


class PayerAccountWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payer_name: str = Field(min_length=1, max_length=200)
    payer_account: str = Field(default="", max_length=64)
    customer_org_id: uuid.UUID


class PayerAccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payer_name: str
    payer_account: str
    customer_org_id: uuid.UUID
    created_by: str
    created_at: datetime


class MatchingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    underpayment_tolerance: Annotated[
        AmountCNY, BeforeValidator(_whole_fen), Field(ge=0, le=Decimal("100000"))
    ]


class MatchingSettingsRead(MatchingSettings):
    updated_by: str
    updated_at: datetime


class MatchRun(BaseModel):
    examined: int
    matched: int
    to_check: int
