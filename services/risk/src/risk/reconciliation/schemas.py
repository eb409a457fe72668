"""Request and response bodies of the reconciliation API. Money is yuan as a string with at
most two decimals (`"300.00"`); a JSON float is refused."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error
from shared_schemas import AmountCNY


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insurer_code: str = Field(min_length=2, max_length=32)
    period_from: date
    period_to: date
    unit_fee: AmountCNY = Field(description="评估服务费 per accepted assessment, e.g. '300.00'")
    promoter_fee: AmountCNY = Field(description="推广服务费 per accepted assessment")
    applicant_org_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.period_to < self.period_from:
            raise field_error(
                "BatchCreate",
                ("period_to",),
                "period_reversed",
                "the period ends before it starts",
                str(self.period_to),
            )
        if self.unit_fee <= 0:
            raise field_error(
                "BatchCreate",
                ("unit_fee",),
                "not_positive",
                "the fee must be positive",
                str(self.unit_fee),
            )
        if self.promoter_fee < 0 or self.promoter_fee > self.unit_fee:
            raise field_error(
                "BatchCreate",
                ("promoter_fee",),
                "out_of_range",
                "the promoter fee is between 0 and the unit fee",
                str(self.promoter_fee),
            )
        return self  # fmt: skip


Result = Literal["accepted", "rejected", "disputed"]


class ItemDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Result
    note: str | None = Field(default=None, max_length=500)


class ItemRead(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    request_no: str
    assessment_no: str
    vin: str
    grade: str
    result: str
    result_label: str
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    decided_via: str | None


class PayoutRead(BaseModel):
    subject: str
    name: str
    amount: str
    lines: list[dict[str, object]]
    status: str
    status_label: str
    order_no: str | None
    rejected_reason: str | None


class BatchRead(BaseModel):
    id: uuid.UUID
    batch_no: str
    org_id: uuid.UUID
    org_name: str | None
    insurer_code: str
    insurer_name: str
    period_from: date
    period_to: date
    unit_fee: str
    promoter_fee: str
    status: str
    status_label: str
    amount: str | None
    order_no: str | None
    order_status: str | None
    rejected_code: str | None
    rejected_reason: str | None
    counts: dict[str, int]
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    items: list[ItemRead] = []
    payouts: list[PayoutRead] = []


class StatementLineIssue(BaseModel):
    row: int
    assessment_no: str | None
    vin: str | None
    reason: str


class StatementReport(BaseModel):
    rows: int
    matched: int
    accepted: int
    rejected: int
    disputed: int
    unmatched: list[StatementLineIssue]
