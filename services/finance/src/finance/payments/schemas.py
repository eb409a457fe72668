"""Payments API models. Amounts are yuan strings exact to the fen (`"1280.50"`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finance.payments.models import PayeeType
from finance.receipts.schemas import PositiveYuan
from finance.settlement.refs import OrderRef
from servicekit.validation import field_error


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApprovalLevelWrite(_Input):
    min_amount: Annotated[Decimal, Field(ge=0, decimal_places=2)]
    approvals_required: int = Field(ge=1, le=9)


class ApprovalLevels(_Input):
    """The whole chain at once: from each amount up, that many distinct approvers."""

    levels: list[ApprovalLevelWrite] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _starts_at_zero(self) -> Self:
        amounts = [level.min_amount for level in self.levels]
        if 0 not in amounts:
            raise field_error(
                "ApprovalLevels", ("levels",), "no_base_level", "one level must start at 0", amounts
            )
        if len(set(amounts)) != len(amounts):
            raise field_error(
                "ApprovalLevels", ("levels",), "duplicate_level", "each min_amount once", amounts
            )
        ordered = sorted(self.levels, key=lambda level: level.min_amount)
        for i in range(1, len(ordered)):
            if ordered[i].approvals_required < ordered[i - 1].approvals_required:
                raise field_error(
                    "ApprovalLevels",
                    ("levels",),
                    "not_increasing",
                    "larger amounts never need fewer approvals",
                    amounts,
                )
        return self


class ApprovalLevelRead(BaseModel):
    min_amount: Decimal
    approvals_required: int
    updated_by: str
    updated_at: datetime


class PaymentLine(OrderRef, _Input):
    amount: PositiveYuan


class Payee(_Input):
    type: PayeeType
    id: str = Field(min_length=1, max_length=64, description="Merchant / promoter / staff id")
    name: str = Field(min_length=1, max_length=200)
    bank_account: str = Field(min_length=4, max_length=64)
    bank_name: str = Field(min_length=1, max_length=120)


class PaymentRequestCreate(_Input):
    payee: Payee
    payer_bank_account: str = Field(min_length=4, max_length=40, description="Our account")
    lines: list[PaymentLine] = Field(min_length=1, max_length=500)
    merchant_order_no: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class Approve(_Input):
    comment: str | None = Field(default=None, max_length=500)


class Reject(_Input):
    reason: str = Field(min_length=1, max_length=500)


class PaymentCallback(_Input):
    """The bank's (or the clerk's) report that the money left: idempotent by bank_reference."""

    bank_reference: str = Field(min_length=1, max_length=64)
    paid_at: datetime | None = None


class ApprovalRead(BaseModel):
    approver: str
    step: int
    comment: str | None
    approved_at: datetime


class PaymentLineRead(BaseModel):
    order_id: uuid.UUID
    order_no: str
    amount: Decimal


class PaymentRequestRead(BaseModel):
    id: uuid.UUID
    request_no: str
    payee_type: str
    payee_id: str
    payee_name: str
    payee_bank_account: str
    payee_bank_name: str
    payer_bank_account: str
    legal_entity: str
    customer_org_id: uuid.UUID
    amount: Decimal
    approvals_required: int
    status: str
    origin: str
    merchant_order_no: str | None
    note: str | None
    requested_by: str
    requested_at: datetime
    bank_reference: str | None
    paid_by: str | None
    paid_at: datetime | None
    rejected_by: str | None
    rejected_at: datetime | None
    reject_reason: str | None
    lines: list[PaymentLineRead]
    approvals: list[ApprovalRead]


class FundTransferCreate(_Input):
    from_account: str = Field(min_length=4, max_length=40)
    to_account: str = Field(min_length=4, max_length=40)
    amount: PositiveYuan
    bank_reference: str = Field(min_length=1, max_length=64)
    transferred_at: datetime
    memo: str | None = Field(default=None, max_length=500)


class FundTransferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    transfer_no: str
    from_account: str
    to_account: str
    amount: Decimal
    bank_reference: str | None
    memo: str | None
    transferred_at: datetime
    created_by: str
    created_at: datetime


class StaffCreditCreate(OrderRef, _Input):
    pass


class StaffCreditRead(BaseModel):
    order_id: uuid.UUID
    order_no: str
    amount: Decimal
    withdrawn: Decimal


class StaffBalanceRead(BaseModel):
    staff_id: str
    balance: Decimal
    credits: list[StaffCreditRead]


class WithdrawalCreate(_Input):
    """自主提现: the staff member asks for (part of) their balance; a payment request follows."""

    amount: PositiveYuan
    staff_name: str = Field(min_length=1, max_length=200)
    bank_account: str = Field(min_length=4, max_length=64)
    bank_name: str = Field(min_length=1, max_length=120)
    payer_bank_account: str = Field(min_length=4, max_length=40)


class TopUpCreate(_Input):
    amount: PositiveYuan
    reference: str = Field(min_length=1, max_length=64, description="Bank reference; once only")
    bank_account: str = Field(min_length=4, max_length=40, description="Our account credited")
    memo: str | None = Field(default=None, max_length=500)


class OrgBalanceEntryRead(BaseModel):
    seq: int
    kind: str
    amount: Decimal
    balance_after: Decimal
    reference: str
    memo: str | None
    created_by: str
    created_at: datetime


class OrgBalanceRead(BaseModel):
    org_id: uuid.UUID
    balance: Decimal
    entries: list[OrgBalanceEntryRead]
