"""Rollups the analyses read instead of scanning every order (订单分析汇总).

Each rollup row summarises the orders created in one Shanghai month (`month`, YYYY-MM) of one
institution; each `*_all` table holds the same rows over every institution together, so a
platform operator's question reads a few thousand rows per month instead of one set per
institution. Only closed months are rolled up (the refresh job, analysis/refresh.py,
recomputes the months whose orders changed since its watermark); the current month is always
computed from the orders themselves. `AnalysisRollupState` says which months the rollups cover
and when they were last refreshed (the answers' `rollups_as_of`).

Cycle-time percentiles cannot be summed, so durations are kept as histograms with log-spaced
buckets: bucket b holds durations in [2^(b/64), 2^((b+1)/64)) seconds (each bucket ~1.09 % wide;
bucket -1 holds durations under a second), with the exact smallest and largest duration of the
bucket, so a percentile is exact when its bucket holds one distinct value and otherwise within
the bucket's width.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, SmallInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, UtcDateTime

#: Histogram buckets per doubling of a duration (bucket width 2^(1/64) − 1 ≈ 1.09 %).
BUCKETS_PER_DOUBLING = 64

#: The cycle-time steps, by index: created→invoiced, invoiced→settled, created→settled; the
#: operator rollup also counts who created the orders under CREATORS.
CREATORS = 3


def _org() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True)


class _Histogram:
    """Durations of a step (first time reached → first time reached) per bucket."""

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    min_seconds: Mapped[float] = mapped_column(Float)
    max_seconds: Mapped[float] = mapped_column(Float)


class CycleHistogram(_Histogram, Base):
    __tablename__ = "analysis_cycle_histograms"
    __table_args__ = (Index("ix_analysis_cycle_histograms_org_month", "customer_org_id", "month"),)
    customer_org_id: Mapped[uuid.UUID] = _org()


class PlatformCycleHistogram(_Histogram, Base):
    __tablename__ = "analysis_cycle_histograms_all"


class _Operators:
    """Who took each step to its end status (first time), and who created the orders."""

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    operator: Mapped[str] = mapped_column(String(120), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class CycleOperator(_Operators, Base):
    __tablename__ = "analysis_cycle_operators"
    __table_args__ = (Index("ix_analysis_cycle_operators_org_month", "customer_org_id", "month"),)
    customer_org_id: Mapped[uuid.UUID] = _org()


class PlatformCycleOperator(_Operators, Base):
    __tablename__ = "analysis_cycle_operators_all"


class _Usage:
    """Value-added redemptions per car model / city / hour / weekday (`dimension` 0–3)."""

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dimension: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class UsageRollup(_Usage, Base):
    __tablename__ = "analysis_usage"
    __table_args__ = (Index("ix_analysis_usage_org_month", "customer_org_id", "month"),)
    customer_org_id: Mapped[uuid.UUID] = _org()


class PlatformUsageRollup(_Usage, Base):
    __tablename__ = "analysis_usage_all"


class _Reviews:
    """Reviews of redemptions per product or merchant (`by`): count and sum of ratings."""

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    by: Mapped[str] = mapped_column(String(8), primary_key=True)
    ident: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(BigInteger)


class ReviewRollup(_Reviews, Base):
    __tablename__ = "analysis_review_scores"
    __table_args__ = (Index("ix_analysis_review_scores_org_month", "customer_org_id", "month"),)
    customer_org_id: Mapped[uuid.UUID] = _org()


class PlatformReviewRollup(_Reviews, Base):
    __tablename__ = "analysis_review_scores_all"


class StatusTotalsRollup(Base):
    """order_monthly_totals without the category: count and amount per month, institution
    and status — what a platform-wide "by institution × status" reads (a quarter of the rows)."""

    __tablename__ = "analysis_status_totals"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class CouponUsageRollup(Base):
    """Per institution and Shanghai day of coupon use (`used_day`, YYYY-MM-DD): redemptions,
    their amount, the latest use, and their reviews — what the coupon-target rule sums over
    its window of whole days."""

    __tablename__ = "analysis_coupon_usage"
    __table_args__ = (Index("ix_analysis_coupon_usage_used_day", "used_day"),)

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    used_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    redemptions: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviews: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(BigInteger)


#: Each institution rollup and its table over all institutions.
PLATFORM_ROLLUPS: dict[type[Base], type[Base]] = {
    CycleHistogram: PlatformCycleHistogram,
    CycleOperator: PlatformCycleOperator,
    UsageRollup: PlatformUsageRollup,
    ReviewRollup: PlatformReviewRollup,
}


class AnalysisRollupState(Base):
    """One row (id 1): the months the rollups cover, when they were refreshed, and the refresh
    job's watermarks (see analysis/refresh.py)."""

    __tablename__ = "analysis_rollup_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: The last month whose rollups are complete (None: nothing rolled up yet).
    covered_through: Mapped[str | None] = mapped_column(String(7))
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Trajectory rows up to this id are in the rollups for sure; those up to step_id_seen
    #: were seen by the last refresh, `steps_seen` of them after step_id_safe.
    step_id_safe: Mapped[int] = mapped_column(BigInteger, default=0)
    step_id_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    steps_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Reviews created before `reviews_since` are in the rollups for sure; the last refresh
    #: saw `reviews_seen` of those created from then until it started (`reviews_seen_at`).
    reviews_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviews_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviews_seen: Mapped[int] = mapped_column(BigInteger, default=0)
