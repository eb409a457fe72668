"""Request and response bodies of the statement API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from servicekit.validation import field_error
from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.statements.models import LineStatus, StatementStatus


class StatementCreate(Body):
    merchant_id: uuid.UUID
    period_from: date
    period_to: date

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.period_to < self.period_from:
            raise field_error(
                "StatementCreate",
                ("period_to",),
                "period_reversed",
                "period_to is before period_from",
                str(self.period_to),
            )
        if (self.period_to - self.period_from).days > 366:
            raise field_error(
                "StatementCreate",
                ("period_to",),
                "period_too_long",
                "a statement covers at most a year",
                str(self.period_to),
            )
        return self


class DisputeRequest(Body):
    reason: str = Field(min_length=1, max_length=200)


class LineRead(BaseModel):
    redemption_no: str
    coupon_code: str
    product_code: str
    product_name: str
    store_name: str
    redeemed_at: datetime
    settlement_price: Yuan
    status: LineStatus
    dispute_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class StatementRead(BaseModel):
    id: uuid.UUID
    statement_no: str
    merchant_id: uuid.UUID
    merchant_name: str
    period_from: date
    period_to: date
    status: StatementStatus
    line_count: int
    total: Yuan
    confirmed_total: Yuan
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    paid_at: datetime | None
    payout_order_no: str | None = None
    settlement_order_nos: list[str] = Field(default_factory=list)
    lines: list[LineRead] = Field(default_factory=list)
