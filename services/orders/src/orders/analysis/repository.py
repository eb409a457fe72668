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

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from orders.analysis.models import (
    BUCKETS_PER_DOUBLING,
    PLATFORM_ROLLUPS,
    AnalysisRollupState,
    CouponUsageRollup,
    CycleHistogram,
    CycleOperator,
    ReviewRollup,
    StatusTotalsRollup,
    UsageRollup,
)
from orders.order.models import Order, OrderMonthlyTotal, OrderReview, RedemptionFact
from servicekit.auth import Principal, org_scope_clause, scoped

#: ln(seconds) × this = the duration's bucket (BUCKETS_PER_DOUBLING per doubling).
BUCKET_SCALE = BUCKETS_PER_DOUBLING / math.log(2)


def seconds_between(postgres: bool, start: Any, end: Any) -> ColumnElement[Any]:
    """end − start in seconds, as a double on both databases."""
    if postgres:
        return cast(func.extract("epoch", end - start), Float)
    return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)


def bucket_of(seconds: Any) -> ColumnElement[Any]:
    """The histogram bucket of a duration: floor(log2(seconds) × 64), −1 under a second."""
    return case((seconds < 1, -1), else_=cast(func.floor(func.ln(seconds) * BUCKET_SCALE), Integer))


#: A histogram row: (step, bucket, count, smallest seconds, largest seconds).
HistogramRow = tuple[int, int, int, float, float]


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

    def _period(self, period: str) -> ColumnElement[Any]:
        """created_at's business date (Asia/Shanghai) as YYYY-MM-DD or YYYY-MM. China has kept
        UTC+8 without daylight saving since 1991, so SQLite may add 8 hours."""
        if self._postgres:
            # A fixed +8 h on the UTC wall time is cheaper per row than a zone lookup (and
            # to_char), and exact for China; the bucket start is formatted in Python.
            local = func.timezone(literal_column("'UTC'"), Order.created_at) + literal_column(
                "interval '8 hours'"
            )
            return func.date_trunc(literal_column(f"'{period}'"), local)
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
        pattern = "%Y-%m-%d" if period == "day" else "%Y-%m"
        for row in rows:
            values = dict(zip([n for n in dimensions if n in by], row, strict=False))
            n, fen = row[-2], row[-1]
            if not n:
                continue  # no grouping and nothing matched: one row of count 0
            bucket = values.get("period")
            if isinstance(bucket, datetime):  # PostgreSQL: the bucket's start
                bucket = bucket.strftime(pattern)
            result.append((bucket, values.get("category"), values.get("status"),
                           values.get("customer_org_id"), int(n), int(fen)))  # fmt: skip
        return result

    async def monthly_totals(
        self,
        scope: Scope,
        months: tuple[str | None, str | None],
        by: Sequence[str],
        principal: Principal,
    ) -> Sequence[tuple[str | None, str | None, str | None, uuid.UUID | None, int, int]]:
        """`totals` by month from order_monthly_totals, for a scope of whole months (first
        and last month inclusive, YYYY-MM)."""
        t = OrderMonthlyTotal
        dimensions: dict[str, Any] = {
            "period": t.month,
            "category": t.category,
            "status": t.status,
            "customer_org_id": t.customer_org_id,
        }
        grouped = [column for name, column in dimensions.items() if name in by]
        count, fen = func.sum(t.count), func.sum(t.amount_fen)
        query = scoped(select(*grouped, count, fen), t.customer_org_id, principal)
        first, last = months
        if first is not None:
            query = query.where(t.month >= first)
        if last is not None:
            query = query.where(t.month <= last)
        if scope.categories:
            query = query.where(t.category.in_(scope.categories))
        if scope.customer_org_id is not None:
            query = query.where(t.customer_org_id == scope.customer_org_id)
        if grouped:
            query = query.group_by(*grouped).order_by(*grouped)
        query = query.having(count > 0)
        names = [n for n in dimensions if n in by]
        result = []
        for row in (await self.session.execute(query)).all():
            values = dict(zip(names, row, strict=False))
            result.append((values.get("period"), values.get("category"), values.get("status"),
                           values.get("customer_org_id"), int(row[-2]), int(row[-1])))  # fmt: skip
        return result

    def _seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        return seconds_between(self._postgres, start, end)

    async def cycle_histogram(
        self, scope: Scope, steps: Sequence[tuple[Milestone, Milestone]], principal: Principal
    ) -> list[HistogramRow]:
        """The steps' durations of the orders in scope as histogram rows (see models)."""
        parts = []
        for index, (start, end) in enumerate(steps):
            part = select(
                literal(index, Integer).label("step"), self._seconds(start, end).label("seconds")
            ).where(start.is_not(None), end.is_not(None))
            parts.append(self._where(part, scope, principal))
        durations = union_all(*parts).subquery()
        bucket = bucket_of(durations.c.seconds)
        query = select(
            durations.c.step, bucket, func.count(), func.min(durations.c.seconds),
            func.max(durations.c.seconds),
        ).group_by(durations.c.step, bucket)  # fmt: skip
        rows = (await self.session.execute(query)).all()
        return [(int(s), int(b), int(n), float(lo), float(hi)) for s, b, n, lo, hi in rows]

    # -- rollups (closed months; see analysis/models.py) ---------------------------------------
    async def rollup_coverage(self) -> tuple[str | None, datetime | None]:
        """The last month the rollups cover and when they were refreshed (None, None: never)."""
        state = AnalysisRollupState
        row = (
            await self.session.execute(
                select(state.covered_through, state.refreshed_at).where(state.id == 1)
            )
        ).one_or_none()
        return (None, None) if row is None else (row[0], row[1])

    def _rollup(self, table: Any, scope: Scope, principal: Principal) -> Any:
        """The institution rollup, or its table over all institutions for a caller who sees
        every institution and names none."""
        sees_all = org_scope_clause(table.customer_org_id, principal) is None
        if sees_all and scope.customer_org_id is None and table in PLATFORM_ROLLUPS:
            return PLATFORM_ROLLUPS[table]
        return table

    def _rollup_where(
        self,
        query: Select[Any],
        table: Any,
        months: tuple[str | None, str],
        scope: Scope,
        principal: Principal,
        *,
        categories: bool = True,
    ) -> Select[Any]:
        """Rows of the months (first None = from the beginning) in scope."""
        first, last = months
        if first is not None:
            query = query.where(table.month >= first)
        query = query.where(table.month <= last)
        if categories and scope.categories:
            query = query.where(table.category.in_(scope.categories))
        if not hasattr(table, "customer_org_id"):  # over all institutions
            return query
        query = scoped(query, table.customer_org_id, principal)
        if scope.customer_org_id is not None:
            query = query.where(table.customer_org_id == scope.customer_org_id)
        return query

    async def rolled_up_histogram(
        self, months: tuple[str | None, str], scope: Scope, principal: Principal
    ) -> list[HistogramRow]:
        t = self._rollup(CycleHistogram, scope, principal)
        query = select(
            t.step, t.bucket, func.sum(t.count), func.min(t.min_seconds), func.max(t.max_seconds)
        ).group_by(t.step, t.bucket)
        rows = (await self.session.execute(
            self._rollup_where(query, t, months, scope, principal)
        )).all()  # fmt: skip
        return [(int(s), int(b), int(n), float(lo), float(hi)) for s, b, n, lo, hi in rows]

    async def rolled_up_operators(
        self, months: tuple[str | None, str], scope: Scope, principal: Principal
    ) -> list[tuple[int, str, int]]:
        """(step, operator, count); step CREATORS = who created the orders."""
        t = self._rollup(CycleOperator, scope, principal)
        query = select(t.step, t.operator, func.sum(t.count)).group_by(t.step, t.operator)
        rows = (await self.session.execute(
            self._rollup_where(query, t, months, scope, principal)
        )).all()  # fmt: skip
        return [(int(s), str(o), int(n)) for s, o, n in rows]

    async def rolled_up_status_totals(
        self, months: tuple[str | None, str], by: Sequence[str], principal: Principal
    ) -> list[tuple[str | None, str | None, str | None, uuid.UUID | None, int, int]]:
        """`monthly_totals` over every category and institution, by any of period, status and
        institution, from the rollup of closed months (a platform operator's question)."""
        t = StatusTotalsRollup
        dimensions: dict[str, Any] = {
            "period": t.month,
            "status": t.status,
            "customer_org_id": t.customer_org_id,
        }
        grouped = [column for name, column in dimensions.items() if name in by]
        query = select(*grouped, func.sum(t.count), func.sum(t.amount_fen))
        if grouped:
            query = query.group_by(*grouped)
        query = self._rollup_where(query, t, months, Scope(), principal, categories=False)
        names = [n for n in dimensions if n in by]
        result: list[tuple[str | None, str | None, str | None, uuid.UUID | None, int, int]] = []
        for row in (await self.session.execute(query)).all():
            values = dict(zip(names, row, strict=False))
            if row[-2]:
                result.append((values.get("period"), None, values.get("status"),
                               values.get("customer_org_id"), int(row[-2]), int(row[-1])))  # fmt: skip
        return result

    async def rolled_up_usage(
        self, months: tuple[str | None, str], scope: Scope, principal: Principal
    ) -> list[tuple[int, str, int, int]]:
        """(dimension, key, count, fen) of the redemptions."""
        t = self._rollup(UsageRollup, scope, principal)
        query = select(t.dimension, t.key, func.sum(t.count), func.sum(t.amount_fen)).group_by(
            t.dimension, t.key
        )
        query = self._rollup_where(query, t, months, scope, principal, categories=False)
        rows = (await self.session.execute(query)).all()
        return [(int(d), str(k), int(n), int(fen)) for d, k, n, fen in rows]

    async def rolled_up_reviews(
        self, months: tuple[str | None, str], scope: Scope, by: str, principal: Principal
    ) -> list[tuple[str, str, int, int]]:
        t = self._rollup(ReviewRollup, scope, principal)
        query = (
            select(t.ident, func.min(t.name), func.sum(t.count), func.sum(t.rating_sum))
            .where(t.by == by)
            .group_by(t.ident)
        )
        query = self._rollup_where(query, t, months, scope, principal, categories=False)
        rows = (await self.session.execute(query)).all()
        return [(str(i), str(n), int(c), int(s)) for i, n, c, s in rows]

    async def rolled_up_coupon_usage(
        self, days: tuple[str, str], through: str, principal: Principal
    ) -> list[TargetRow]:
        """Per institution, the redemptions used on these Shanghai days (inclusive) of the
        orders created up to month `through`."""
        t = CouponUsageRollup
        query = (
            select(
                t.customer_org_id, func.sum(t.redemptions), func.sum(t.amount_fen),
                func.max(t.last_used_at), func.sum(t.reviews), func.sum(t.rating_sum),
            )
            .where(t.used_day >= days[0], t.used_day <= days[1])
            .group_by(t.customer_org_id)
        )  # fmt: skip
        query = self._rollup_where(query, t, (None, through), Scope(), principal, categories=False)
        rows: Sequence[Any] = (await self.session.execute(query)).all()
        return [
            TargetRow(org, int(n), int(fen), _aware(last), int(r), int(total))
            for org, n, fen, last, r, total in rows
        ]

    async def cycle_stats(
        self, scope: Scope, steps: Sequence[tuple[Milestone, Milestone]], principal: Principal
    ) -> list[StepStats]:
        """`step_stats` of several steps; on PostgreSQL in one scan (ordered-set aggregates
        skip the NULL durations of orders that did not reach both ends)."""
        if not self._postgres:
            return [await self.step_stats(scope, a, b, principal) for a, b in steps]
        columns: list[Any] = []
        for start, end in steps:
            seconds = self._seconds(start, end)
            columns += [
                func.count(seconds),
                func.percentile_disc(0.5).within_group(seconds),
                func.percentile_disc(0.9).within_group(seconds),
            ]
        row = (await self.session.execute(self._where(select(*columns), scope, principal))).one()
        return [
            StepStats(int(row[i]), _float(row[i + 1]), _float(row[i + 2]))
            for i in range(0, len(columns), 3)
        ]

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

    async def cycle_operators(
        self, scope: Scope, principal: Principal
    ) -> tuple[list[list[tuple[str, int]]], list[tuple[str, int]]]:
        """Who took each STEP's last step (created→invoiced, invoiced→settled,
        created→settled), and who created the orders: on PostgreSQL one scan with GROUPING
        SETS and filtered counts; elsewhere a query each."""
        invoiced = Order.first_invoiced_at.is_not(None)
        settled = Order.first_settled_at.is_not(None)
        if not self._postgres:
            steps = [
                (Order.created_at, Order.first_invoiced_at, Order.first_invoiced_by),
                (Order.first_invoiced_at, Order.first_settled_at, Order.first_settled_by),
                (Order.created_at, Order.first_settled_at, Order.first_settled_by),
            ]
            ops = [
                list(await self.step_operators(scope, end, by, principal, start))
                for start, end, by in steps
            ]
            return ops, list(await self.creators(scope, principal))
        counts: list[Any] = [
            func.count().filter(invoiced),
            func.count().filter(and_(invoiced, settled)),
            func.count().filter(settled),
            func.count(),
        ]
        keys = (Order.first_invoiced_by, Order.first_settled_by, Order.created_by)
        query = select(*(func.grouping(k) for k in keys), *keys, *counts).group_by(
            func.grouping_sets(*keys)
        )
        found: list[list[tuple[str, int]]] = [[], [], [], []]  # 3 steps, creators
        for row in (await self.session.execute(self._where(query, scope, principal))).all():
            g_invoiced, g_settled, _g_created, inv_by, set_by, created_by = row[:6]
            c_invoiced, c_both, c_settled, c_all = row[6:]
            if not g_invoiced:
                if inv_by is not None and c_invoiced:
                    found[0].append((str(inv_by), int(c_invoiced)))
            elif not g_settled:
                if set_by is not None:
                    if c_both:
                        found[1].append((str(set_by), int(c_both)))
                    if c_settled:
                        found[2].append((str(set_by), int(c_settled)))
            elif c_all:
                found[3].append((str(created_by), int(c_all)))
        for group in found:
            group.sort(key=lambda item: (-item[1], item[0]))
        return found[:3], found[3]

    async def creators(self, scope: Scope, principal: Principal) -> Sequence[tuple[str, int]]:
        query = (
            select(Order.created_by, func.count())
            .group_by(Order.created_by)
            .order_by(func.count().desc(), Order.created_by)
        )
        rows = (await self.session.execute(self._where(query, scope, principal))).all()
        return [(str(b), int(n)) for b, n in rows]

    async def usage_by(
        self, scope: Scope, keys: Sequence[Any], principal: Principal
    ) -> list[list[tuple[Any, int, int]]]:
        """`usage` for several fact columns: on PostgreSQL one scan with GROUPING SETS."""
        if not self._postgres:
            return [list(await self.usage(scope, key, principal)) for key in keys]
        query = select(
            *(func.grouping(k) for k in keys),
            *keys,
            func.count(),
            func.sum(RedemptionFact.amount_fen),
        ).group_by(func.grouping_sets(*keys))
        found: list[list[tuple[Any, int, int]]] = [[] for _ in keys]
        n = len(keys)
        for row in (await self.session.execute(self._facts_where(query, scope, principal))).all():
            which = next(i for i in range(n) if not row[i])
            value = row[n + which]
            if value is not None:
                found[which].append((value, int(row[2 * n]), int(row[2 * n + 1])))
        for group in found:
            group.sort(key=lambda item: (-item[1], item[0]))
        return found

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
        self,
        used: tuple[datetime, datetime],
        principal: Principal,
        created_from: datetime | None = None,
    ) -> Sequence[TargetRow]:
        """Per institution: redemptions whose coupon was used in [start, end), their amount,
        the latest use, and the reviews of those redemptions (count, sum of ratings); only
        of orders created from `created_from` when given (the rest is rolled up)."""
        start, end = used
        window = [RedemptionFact.used_at >= start, RedemptionFact.used_at < end]
        if created_from is not None:
            window.append(RedemptionFact.created_at >= created_from)
        usage = scoped(
            select(
                RedemptionFact.customer_org_id.label("org"),
                func.count().label("redemptions"),
                func.sum(RedemptionFact.amount_fen).label("fen"),
                func.max(RedemptionFact.used_at).label("last_used_at"),
            )
            .where(*window)
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
            .where(*window)
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
