"""Parameters and answers of the analysis API (订单分析). Amounts are exact yuan strings."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error
from shared_schemas import AmountCNY, OrderCategory, OrderStatus


class Period(StrEnum):
    day = "day"
    month = "month"


class AnalysisScope(BaseModel):
    """Which orders an analysis reads (besides the caller's institution scope): created in
    these business dates (Asia/Shanghai, inclusive), of these categories, of one institution."""

    model_config = ConfigDict(extra="forbid")

    created_from: date | None = None
    created_to: date | None = None
    category: list[OrderCategory] = Field(default_factory=list, description="Any of these.")
    customer_org_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.created_from and self.created_to and self.created_to < self.created_from:
            raise field_error(
                type(self).__name__,
                ("created_to",),
                "range_reversed",
                "must not be before created_from",
                str(self.created_to),
            )
        return self


class TotalsQuery(AnalysisScope):
    period: Period = Period.month


class ReviewsQuery(AnalysisScope):
    by: str = Field(default="product", pattern="^(product|merchant)$")


class TotalsRow(BaseModel):
    period: str = Field(description="YYYY-MM-DD or YYYY-MM, Asia/Shanghai, of created_at.")
    category: OrderCategory
    status: OrderStatus
    customer_org_id: uuid.UUID
    count: int
    amount: AmountCNY


class Totals(BaseModel):
    period: Period
    rows: list[TotalsRow]
    count: int
    amount: AmountCNY


class Operator(BaseModel):
    by: str
    count: int


class CycleTime(BaseModel):
    """Durations between the first time an order reached `start` and the first time it reached
    `end` (nearest-rank percentiles, whole seconds), and who took the step to `end`."""

    start: OrderStatus
    end: OrderStatus
    count: int
    p50_seconds: int | None
    p90_seconds: int | None
    operators: list[Operator]


class CycleTimes(BaseModel):
    steps: list[CycleTime]
    creators: list[Operator] = Field(description="Who created the orders measured.")


class UsageRow(BaseModel):
    key: str
    count: int
    amount: AmountCNY


class Usage(BaseModel):
    """Value-added redemptions (增值服务核销) by their extension data; hours and weekdays
    (1 = Monday … 7 = Sunday) of coupon_used_at in Asia/Shanghai."""

    by_car_model: list[UsageRow]
    by_city: list[UsageRow]
    by_hour: list[UsageRow]
    by_weekday: list[UsageRow]


class ReviewScore(BaseModel):
    id: str
    name: str
    count: int
    average: Decimal = Field(description="Mean rating, rounded half-up to two decimals.")


class ReviewScores(BaseModel):
    by: str
    items: list[ReviewScore]
