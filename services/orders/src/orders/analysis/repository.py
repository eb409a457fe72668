"""All SQL of the analyses: every grouping, sum and percentile runs in the database.

Cycle times read the orders' first-milestone columns (first_invoiced_at/_by,
first_settled_at/_by, kept by every step) rather than the trajectory; value-added usage,
review scores and coupon targets read `order_redemption_facts` (the redemption's extension
data as plain columns, written with the order) rather than parsing JSON.

Percentiles are nearest-rank (the smallest value with at least p % of the values at or below
it): `percentile_disc` on PostgreSQL; on SQLite, which has no percentile aggregate, the same
rank is picked with window functions (ROW_NUMBER over the ordered durations, COUNT over all).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.models import Order, OrderReview, RedemptionFact
from servicekit.auth import Principal, scoped


@dataclass(frozen=True)
class Scope:
    """Storage terms: a half-open UTC interval of created_at, categories, one institution."""

    created: tuple[datetime | None, datetime | None] = (None, None)
    categories: Sequence[str] = ()
    customer_org_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StepStats:
    count: int
    p50_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class TargetRow:
    customer_org_id: uuid.UUID
    redemptions: int
    amount_fen: int
    last_used_at: datetime | None
    reviews: int
    rating_sum: int


#: An order column holding when (or by whom) a milestone was first reached.
Milestone = Any


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _where(
        self,
        query: Select[Any],
        scope: Scope,
        principal: Principal,
        org: Any = Order.customer_org_id,
        created: Any = Order.created_at,
        category: Any = Order.category,
    ) -> Select[Any]:
        query = scoped(query, org, principal)
        start, end = scope.created
        if start is not None:
            query = query.where(created >= start)
        if end is not None:
            query = query.where(created < end)
        if scope.categories and category is not None:
            query = query.where(category.in_(scope.categories))
        if scope.customer_org_id is not None:
            query = query.where(org == scope.customer_org_id)
        return query

    def _facts_where(self, query: Select[Any], scope: Scope, principal: Principal) -> Select[Any]:
        """Redemption facts are all value_added_redemption: a category filter without it
        selects nothing."""
        query = self._where(
            query,
            scope,
            principal,
            org=RedemptionFact.customer_org_id,
            created=RedemptionFact.created_at,
            category=None,
        )
        if scope.categories and "value_added_redemption" not in scope.categories:
            query = query.where(literal_column("1") == 0)
        return query

    def _period(self, period: str) -> ColumnElement[str]:
        """created_at's business date (Asia/Shanghai) as YYYY-MM-DD or YYYY-MM. China has kept
        UTC+8 without daylight saving since 1991, so SQLite may add 8 hours."""
        if self._postgres:
            pattern = "YYYY-MM-DD" if period == "day" else "YYYY-MM"
            local = func.timezone(literal_column("'Asia/Shanghai'"), Order.created_at)
            return func.to_char(local, pattern)
        pattern = "%Y-%m-%d" if period == "day" else "%Y-%m"
        return func.strftime(pattern, Order.created_at, "+8 hours")

    async def totals(
        self, scope: Scope, period: str, by: Sequence[str], principal: Principal
    ) -> Sequence[tuple[str | None, str | None, str | None, uuid.UUID | None, int, int]]:
        """(period, category, status, institution, count, fen) grouped by the dimensions in
        `by`; the others are None."""
        dimensions: dict[str, Any] = {
            "period": self._period(period).label("period"),
            "category": Order.category,
            "status": Order.status,
            "customer_org_id": Order.customer_org_id,
        }
        grouped = [column for name, column in dimensions.items() if name in by]
        query = select(*grouped, func.count(), func.sum(Order.amount_fen))
        if grouped:
            query = query.group_by(*grouped).order_by(*grouped)
        rows = (await self.session.execute(self._where(query, scope, principal))).all()
        result = []
        for row in rows:
            values = dict(zip([n for n in dimensions if n in by], row, strict=False))
            n, fen = row[-2], row[-1]
            if not n:
                continue  # no grouping and nothing matched: one row of count 0
            result.append((values.get("period"), values.get("category"), values.get("status"),
                           values.get("customer_org_id"), int(n), int(fen)))  # fmt: skip
        return result

    def _seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        if self._postgres:
            return func.extract("epoch", end - start)
        return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)

    async def step_stats(
        self, scope: Scope, start: Milestone, end: Milestone, principal: Principal
    ) -> StepStats:
        """Count and nearest-rank p50/p90 of (end − start) over the orders that reached both."""
        seconds = self._seconds(start, end).label("seconds")
        reached = and_(start.is_not(None), end.is_not(None))
        if self._postgres:
            query = select(
                func.count(),
                func.percentile_disc(0.5).within_group(seconds),
                func.percentile_disc(0.9).within_group(seconds),
            ).where(reached)
            n, p50, p90 = (await self.session.execute(self._where(query, scope, principal))).one()
            return StepStats(int(n), _float(p50), _float(p90))
        ranked = self._where(
            select(
                seconds,
                func.row_number().over(order_by=seconds).label("rank"),
                func.count().over().label("n"),
            ).where(reached),
            scope,
            principal,
        ).subquery()

        # Nearest rank: the ceil(n·p/100)-th value, in integer arithmetic.
        def at(percent: int) -> ColumnElement[Any]:
            rank = (ranked.c.n * percent + 99) // 100
            return func.max(case((ranked.c.rank == rank, ranked.c.seconds)))

        query = select(func.count(), at(50), at(90)).select_from(ranked)
        n, p50, p90 = (await self.session.execute(query)).one()
        return StepStats(int(n), _float(p50), _float(p90))

    async def step_operators(
        self, scope: Scope, end: Milestone, by: Milestone, principal: Principal, start: Milestone
    ) -> Sequence[tuple[str, int]]:
        """Who took the step to `end` (first time), with counts, most first."""
        counted: Any = func.count()
        query: Select[Any] = (
            select(by, counted)
            .where(start.is_not(None), end.is_not(None))
            .group_by(by)
            .order_by(func.count().desc(), by)
        )
        rows = (await self.session.execute(self._where(query, scope, principal))).all()
        return [(str(b), int(n)) for b, n in rows]

    async def creators(self, scope: Scope, principal: Principal) -> Sequence[tuple[str, int]]:
        query = (
            select(Order.created_by, func.count())
            .group_by(Order.created_by)
            .order_by(func.count().desc(), Order.created_by)
        )
        rows = (await self.session.execute(self._where(query, scope, principal))).all()
        return [(str(b), int(n)) for b, n in rows]

    async def usage(
        self, scope: Scope, key: Any, principal: Principal
    ) -> Sequence[tuple[Any, int, int]]:
        """Redemptions grouped by one fact column: (key, count, fen), most used first."""
        query = (
            select(key, func.count(), func.sum(RedemptionFact.amount_fen))
            .where(key.is_not(None))
            .group_by(key)
            .order_by(func.count().desc(), key)
        )
        rows = (await self.session.execute(self._facts_where(query, scope, principal))).all()
        return [(k, int(n), int(fen)) for k, n, fen in rows]

    async def review_scores(
        self, scope: Scope, by: str, principal: Principal
    ) -> Sequence[tuple[str, str, int, int]]:
        """(id, name, count, sum of ratings) of the reviews per product or merchant."""
        ident, name = (
            (RedemptionFact.product_id, RedemptionFact.product_name)
            if by == "product"
            else (RedemptionFact.merchant_id, RedemptionFact.merchant_name)
        )
        query = (
            select(ident, func.min(name), func.count(), func.sum(OrderReview.rating))
            .join(OrderReview, OrderReview.order_id == RedemptionFact.order_id)
            .where(ident.is_not(None))
            .group_by(ident)
        )
        rows = (await self.session.execute(self._facts_where(query, scope, principal))).all()
        return [(str(i), str(n), int(c), int(s)) for i, n, c, s in rows]

    async def coupon_targets(
        self, used: tuple[datetime, datetime], principal: Principal
    ) -> Sequence[TargetRow]:
        """Per institution: redemptions whose coupon was used in [start, end), their amount,
        the latest use, and the reviews of those redemptions (count, sum of ratings)."""
        start, end = used
        usage = scoped(
            select(
                RedemptionFact.customer_org_id.label("org"),
                func.count().label("redemptions"),
                func.sum(RedemptionFact.amount_fen).label("fen"),
                func.max(RedemptionFact.used_at).label("last_used_at"),
            )
            .where(RedemptionFact.used_at >= start, RedemptionFact.used_at < end)
            .group_by(RedemptionFact.customer_org_id),
            RedemptionFact.customer_org_id,
            principal,
        ).subquery()
        reviews = scoped(
            select(
                RedemptionFact.customer_org_id.label("org"),
                func.count().label("reviews"),
                func.sum(OrderReview.rating).label("rating_sum"),
            )
            .join(OrderReview, OrderReview.order_id == RedemptionFact.order_id)
            .where(RedemptionFact.used_at >= start, RedemptionFact.used_at < end)
            .group_by(RedemptionFact.customer_org_id),
            RedemptionFact.customer_org_id,
            principal,
        ).subquery()
        query = select(
            usage.c.org,
            usage.c.redemptions,
            usage.c.fen,
            usage.c.last_used_at,
            func.coalesce(reviews.c.reviews, 0),
            func.coalesce(reviews.c.rating_sum, 0),
        ).outerjoin(reviews, reviews.c.org == usage.c.org)
        rows = (await self.session.execute(query)).all()
        return [
            TargetRow(org, int(n), int(fen), _aware(last), int(r), int(total))
            for org, n, fen, last, r, total in rows
        ]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's max() of a datetime column returns its text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
