"""Parameters and answers of the analysis API (订单分析). Amounts are exact yuan strings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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


class Dimension(StrEnum):
    period = "period"
    category = "category"
    status = "status"
    customer_org_id = "customer_org_id"


class TotalsQuery(AnalysisScope):
    period: Period = Period.month
    by: list[Dimension] = Field(
        default_factory=lambda: list(Dimension),
        description="Group by these (repeatable; default all four). The others are null in "
        "the rows: e.g. by=period&by=category for a platform-wide trend without one row per "
        "institution.",
    )


class ReviewsQuery(AnalysisScope):
    by: str = Field(default="product", pattern="^(product|merchant)$")


class TotalsRow(BaseModel):
    period: str | None = Field(description="YYYY-MM-DD or YYYY-MM, Asia/Shanghai, of created_at.")
    category: OrderCategory | None
    status: OrderStatus | None
    customer_org_id: uuid.UUID | None
    count: int
    amount: AmountCNY


class Totals(BaseModel):
    period: Period
    by: list[Dimension]
    rows: list[TotalsRow]
    count: int
    amount: AmountCNY
    rollups_as_of: datetime | None = Field(
        default=None,
        description="Set when closed months were read from the rollup by status (a platform-"
        "wide question without categories): when it was last refreshed. Null: read from the "
        "monthly summary kept with every change.",
    )


class Operator(BaseModel):
    by: str
    count: int


class CycleTime(BaseModel):
    """Durations between the first time an order reached `start` and the first time it reached
    `end` (nearest-rank percentiles, whole seconds), and who took the step to `end`.

    Percentiles come from histograms of the durations with log-spaced buckets 2^(1/64) apart
    (each ~1.09 % wide) holding their exact smallest and largest duration: exact when the rank
    falls on a bucket's first or last duration (always when a bucket holds one distinct value),
    otherwise within ~1.09 % of the exact nearest-rank percentile."""

    start: OrderStatus
    end: OrderStatus
    count: int
    p50_seconds: int | None
    p90_seconds: int | None
    operators: list[Operator]


class CycleTimes(BaseModel):
    steps: list[CycleTime]
    creators: list[Operator] = Field(description="Who created the orders measured.")
    rollups_as_of: datetime | None = Field(
        default=None,
        description="When the rollups of closed months this answer read were last refreshed "
        "(changes to those months' orders since then are not in it yet); null: computed from "
        "the orders alone. The current month is always read from the orders.",
    )


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
    rollups_as_of: datetime | None = Field(
        default=None,
        description="When the rollups of closed months this answer read were last refreshed "
        "(changes to those months' orders since then are not in it yet); null: computed from "
        "the orders alone. The current month is always read from the orders.",
    )


class ReviewScore(BaseModel):
    id: str
    name: str
    count: int
    average: Decimal = Field(description="Mean rating, rounded half-up to two decimals.")


class ReviewScores(BaseModel):
    by: str
    items: list[ReviewScore]
    rollups_as_of: datetime | None = Field(
        default=None,
        description="When the rollups of closed months this answer read were last refreshed "
        "(changes to those months' orders since then are not in it yet); null: computed from "
        "the orders alone. The current month is always read from the orders.",
    )


class CouponTargetsQuery(BaseModel):
    """The coupon-targeting rule's parameters (defaults: the last 90 days, ≥ 5 redemptions,
    one within the last 30 days, average rating ≥ 4.00 when reviewed at least twice)."""

    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(default=None, description="Last business day of the window (today).")
    window_days: int = Field(default=90, ge=1, le=366)
    min_redemptions: int = Field(default=5, ge=1)
    active_within_days: int = Field(default=30, ge=1, le=366)
    min_reviews: int = Field(default=2, ge=1)
    min_average_rating: Decimal = Field(default=Decimal("4.00"), ge=1, le=5, decimal_places=2)
    require_reviews: bool = Field(
        default=False, description="Leave out institutions with fewer than min_reviews reviews."
    )
    limit: int = Field(default=100, ge=1, le=1000)

    def rule_text(self) -> str:
        reviewed = (
            f"at least {self.min_reviews} reviews averaging ≥ {self.min_average_rating}"
            if self.require_reviews
            else f"if reviewed at least {self.min_reviews} times, an average rating ≥ "
            f"{self.min_average_rating}"
        )
        return (
            f"coupon used in the {self.window_days} business days to as_of: ≥ "
            f"{self.min_redemptions} redemptions, the latest within {self.active_within_days} "
            f"days, {reviewed}"
        )


class CouponTarget(BaseModel):
    customer_org_id: uuid.UUID
    redemptions: int
    amount: AmountCNY
    last_used_at: datetime | None
    reviews: int
    average_rating: Decimal | None


class CouponTargets(BaseModel):
    """Institutions to target with coupons (发券对象), most active first."""

    as_of: date
    window_start: date
    rule: str
    items: list[CouponTarget]
    rollups_as_of: datetime | None = Field(
        default=None,
        description="When the rollups of closed months this answer read were last refreshed "
        "(changes to those months' orders since then are not in it yet); null: computed from "
        "the orders alone. The current month is always read from the orders.",
    )
