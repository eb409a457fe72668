"""SQL of the rollup refresh: which months changed, and recomputing one month's rollups.

A month is recomputed whole (DELETE its rows, INSERT … SELECT from the orders created in it),
so a refresh gives the same rows as summarising from scratch. The rows over all institutions
(the `*_all` tables) are summed from the month's institution rows just written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from orders.analysis.models import (
    CREATORS,
    PLATFORM_ROLLUPS,
    AnalysisRollupState,
    CouponUsageRollup,
    CycleHistogram,
    CycleOperator,
    ReviewRollup,
    StatusTotalsRollup,
    UsageRollup,
)
from orders.analysis.repository import bucket_of, seconds_between
from orders.order.models import (
    Order,
    OrderMonthlyTotal,
    OrderReview,
    OrderStatusChange,
    RedemptionFact,
)

#: The cycle-time steps by index (see models.CREATORS): (start, end, who took the step).
STEP_COLUMNS: tuple[tuple[Any, Any, Any], ...] = (
    (Order.created_at, Order.first_invoiced_at, Order.first_invoiced_by),
    (Order.first_invoiced_at, Order.first_settled_at, Order.first_settled_by),
    (Order.created_at, Order.first_settled_at, Order.first_settled_by),
)

#: Usage dimensions by index, as stored in analysis_usage.dimension.
USAGE_COLUMNS: tuple[Any, ...] = (
    RedemptionFact.car_model,
    RedemptionFact.city_code,
    RedemptionFact.used_hour,
    RedemptionFact.used_weekday,
)

ROLLUPS: tuple[Any, ...] = (
    *PLATFORM_ROLLUPS,
    *PLATFORM_ROLLUPS.values(),
    CouponUsageRollup,
    StatusTotalsRollup,
)


class RollupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _shanghai(self, column: Any, pattern: str) -> ColumnElement[Any]:
        """A UTC time's Shanghai date formatted (YYYY-MM or YYYY-MM-DD); China has no DST."""
        if self._postgres:
            pg = pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
            return func.to_char(column.op("AT TIME ZONE")(literal_column("'Asia/Shanghai'")), pg)
        return func.strftime(pattern, column, "+8 hours")

    # -- state ------------------------------------------------------------------------------
    async def lock_state(self) -> AnalysisRollupState | None:
        """The state row, locked for this refresh (created at the first refresh). None when
        another refresh holds it (PostgreSQL: SKIP LOCKED)."""
        query = select(AnalysisRollupState).where(AnalysisRollupState.id == 1)
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        state = (await self.session.execute(query)).scalar_one_or_none()
        if state is not None:
            return state
        if self._postgres:
            # Another refresh may hold it, or it does not exist yet.
            exists = await self.session.scalar(
                select(func.count()).select_from(AnalysisRollupState)
            )
            if exists:
                return None
        state = AnalysisRollupState(id=1, step_id_safe=0, step_id_seen=0, steps_seen=0)
        self.session.add(state)
        await self.session.flush()
        return state

    async def analyze(self) -> None:
        """Fresh planner statistics after a bulk recompute (PostgreSQL; autovacuum would get
        there too, later: until then the planner may not use the (institution, month) index)."""
        if self._postgres:
            for table in ROLLUPS:
                await self.session.execute(text(f"ANALYZE {table.__tablename__}"))

    async def state(self) -> AnalysisRollupState | None:
        return await self.session.get(AnalysisRollupState, 1)

    # -- what changed ------------------------------------------------------------------------
    async def one_snapshot(self) -> None:
        """Every statement of this transaction sees the same committed rows (PostgreSQL;
        SQLite's one writer at a time sees them anyway). Call first."""
        if self._postgres:
            await self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})

    async def last_step_id(self) -> int:
        return int(await self.session.scalar(select(func.max(OrderStatusChange.id))) or 0)

    async def steps_between(self, after: int, upto: int) -> int:
        """How many trajectory rows have ids in (after, upto]."""
        t = OrderStatusChange
        query = select(func.count()).where(t.id > after, t.id <= upto)
        return int(await self.session.scalar(query) or 0)

    async def reviews_between(self, since: datetime, before: datetime) -> int:
        t = OrderReview
        query = select(func.count()).where(t.created_at >= since, t.created_at < before)
        return int(await self.session.scalar(query) or 0)

    async def step_id_before(self, at: datetime) -> int:
        """The highest trajectory id written before `at` (ids follow the writes' clock closely
        enough: scanned backwards from the newest, stopping at the first older row)."""
        query = (
            select(OrderStatusChange.id)
            .where(OrderStatusChange.at < at)
            .order_by(OrderStatusChange.id.desc())
            .limit(1)
        )
        return int(await self.session.scalar(query) or 0)

    async def months_with_steps(self, after: int, upto: int) -> set[str]:
        """Shanghai months of creation of the orders with a trajectory row in (after, upto]
        (their creation included: its first step is one)."""
        t = OrderStatusChange
        changed = select(t.order_id).where(t.id > after, t.id <= upto)
        query = select(self._shanghai(Order.created_at, "%Y-%m")).where(Order.id.in_(changed))
        return {m for (m,) in (await self.session.execute(query.distinct())).all()}

    async def months_with_reviews(self, since: datetime, before: datetime | None) -> set[str]:
        reviewed = select(OrderReview.order_id).where(OrderReview.created_at >= since)
        if before is not None:
            reviewed = reviewed.where(OrderReview.created_at < before)
        query = select(self._shanghai(Order.created_at, "%Y-%m")).where(Order.id.in_(reviewed))
        return {m for (m,) in (await self.session.execute(query.distinct())).all()}

    async def first_created_at(self) -> datetime | None:
        value = await self.session.scalar(select(func.min(Order.created_at)))
        if isinstance(value, str):  # SQLite's min() of a datetime column returns its text
            value = datetime.fromisoformat(value)
        return value

    # -- recomputing a month -----------------------------------------------------------------
    async def recompute(self, month: str, created: tuple[datetime, datetime]) -> None:
        """Replace every rollup row of `month` (orders created in [start, end) UTC)."""
        for table in ROLLUPS:
            await self.session.execute(delete(table).where(table.month == month))
        await self._cycle_histograms(month, created)
        await self._cycle_operators(month, created)
        await self._usage(month, created)
        await self._reviews(month, created)
        await self._coupon_usage(month, created)
        await self._status_totals(month)

    async def _status_totals(self, month: str) -> None:
        t = OrderMonthlyTotal
        query = (
            select(t.month, t.customer_org_id, t.status, func.sum(t.count), func.sum(t.amount_fen))
            .where(t.month == month)
            .group_by(t.month, t.customer_org_id, t.status)
            .having(func.sum(t.count) > 0)
        )
        target = ["month", "customer_org_id", "status", "count", "amount_fen"]
        await self.session.execute(insert(StatusTotalsRollup).from_select(target, query))

    def _orders_of(self, query: Any, created: tuple[datetime, datetime]) -> Any:
        return query.where(Order.created_at >= created[0], Order.created_at < created[1])

    def _facts_of(self, query: Any, created: tuple[datetime, datetime]) -> Any:
        return query.where(
            RedemptionFact.created_at >= created[0], RedemptionFact.created_at < created[1]
        )

    async def _all_institutions(self, table: Any, month: str, keys: list[str],
                                sums: dict[str, Any]) -> None:  # fmt: skip
        """The month's rows over every institution, summed from its institution rows."""
        columns = [getattr(table, k) for k in keys]
        query = (
            select(
                literal(month, String), *columns,
                *(agg(getattr(table, name)) for name, agg in sums.items()),
            )
            .where(table.month == month)
            .group_by(*columns)
        )  # fmt: skip
        target = ["month", *keys, *sums]
        await self.session.execute(insert(PLATFORM_ROLLUPS[table]).from_select(target, query))

    async def _cycle_histograms(self, month: str, created: tuple[datetime, datetime]) -> None:
        parts = []
        for index, (start, end, _) in enumerate(STEP_COLUMNS):
            seconds = seconds_between(self._postgres, start, end)
            part = select(
                Order.customer_org_id.label("org"),
                Order.category.label("category"),
                literal(index, Integer).label("step"),
                seconds.label("seconds"),
            ).where(start.is_not(None), end.is_not(None))
            parts.append(self._orders_of(part, created))
        durations = union_all(*parts).subquery()
        bucket = bucket_of(durations.c.seconds)
        query = select(
            literal(month, String), durations.c.org, durations.c.category, durations.c.step,
            bucket, func.count(), func.min(durations.c.seconds), func.max(durations.c.seconds),
        ).group_by(durations.c.org, durations.c.category, durations.c.step, bucket)  # fmt: skip
        target = ["month", "customer_org_id", "category", "step", "bucket", "count",
                  "min_seconds", "max_seconds"]  # fmt: skip
        await self.session.execute(insert(CycleHistogram).from_select(target, query))
        await self._all_institutions(
            CycleHistogram, month, ["category", "step", "bucket"],
            {"count": func.sum, "min_seconds": func.min, "max_seconds": func.max},
        )  # fmt: skip

    async def _cycle_operators(self, month: str, created: tuple[datetime, datetime]) -> None:
        parts = []
        for index, (start, end, by) in enumerate(STEP_COLUMNS):
            part = select(
                Order.customer_org_id.label("org"), Order.category.label("category"),
                literal(index, Integer).label("step"), by.label("operator"),
            ).where(start.is_not(None), end.is_not(None), by.is_not(None))  # fmt: skip
            parts.append(self._orders_of(part, created))
        creators = select(
            Order.customer_org_id.label("org"), Order.category.label("category"),
            literal(CREATORS, Integer).label("step"), Order.created_by.label("operator"),
        )  # fmt: skip
        parts.append(self._orders_of(creators, created))
        steps = union_all(*parts).subquery()
        keys = [steps.c.org, steps.c.category, steps.c.step, steps.c.operator]
        query = select(literal(month, String), *keys, func.count()).group_by(*keys)
        target = ["month", "customer_org_id", "category", "step", "operator", "count"]
        await self.session.execute(insert(CycleOperator).from_select(target, query))
        await self._all_institutions(
            CycleOperator, month, ["category", "step", "operator"], {"count": func.sum}
        )

    async def _usage(self, month: str, created: tuple[datetime, datetime]) -> None:
        parts = []
        for index, column in enumerate(USAGE_COLUMNS):
            part = select(
                RedemptionFact.customer_org_id.label("org"),
                literal(index, Integer).label("dimension"),
                cast(column, String).label("key"),
                RedemptionFact.amount_fen.label("fen"),
            ).where(column.is_not(None))
            parts.append(self._facts_of(part, created))
        facts = union_all(*parts).subquery()
        keys = [facts.c.org, facts.c.dimension, facts.c.key]
        query = select(literal(month, String), *keys, func.count(), func.sum(facts.c.fen)).group_by(
            *keys
        )
        target = ["month", "customer_org_id", "dimension", "key", "count", "amount_fen"]
        await self.session.execute(insert(UsageRollup).from_select(target, query))
        await self._all_institutions(
            UsageRollup, month, ["dimension", "key"], {"count": func.sum, "amount_fen": func.sum}
        )

    async def _reviews(self, month: str, created: tuple[datetime, datetime]) -> None:
        f = RedemptionFact
        for by, ident, name in (
            ("product", f.product_id, f.product_name),
            ("merchant", f.merchant_id, f.merchant_name),
        ):
            query = self._facts_of(
                select(
                    literal(month, String), f.customer_org_id, literal(by, String), ident,
                    func.coalesce(func.min(name), ""), func.count(), func.sum(OrderReview.rating),
                )
                .join(OrderReview, OrderReview.order_id == f.order_id)
                .where(ident.is_not(None))
                .group_by(f.customer_org_id, ident),
                created,
            )  # fmt: skip
            target = ["month", "customer_org_id", "by", "ident", "name", "count", "rating_sum"]
            await self.session.execute(insert(ReviewRollup).from_select(target, query))
        await self._all_institutions(
            ReviewRollup, month, ["by", "ident"],
            {"name": func.min, "count": func.sum, "rating_sum": func.sum},
        )  # fmt: skip

    async def _coupon_usage(self, month: str, created: tuple[datetime, datetime]) -> None:
        f = RedemptionFact
        reviewed = self._facts_of(
            select(
                OrderReview.order_id.label("order_id"),
                func.count().label("reviews"),
                func.sum(OrderReview.rating).label("rating_sum"),
            )
            .join(f, f.order_id == OrderReview.order_id)
            .group_by(OrderReview.order_id),
            created,
        ).subquery()
        day = self._shanghai(f.used_at, "%Y-%m-%d")
        query = self._facts_of(
            select(
                literal(month, String), f.customer_org_id, day, func.count(),
                func.sum(f.amount_fen), func.max(f.used_at),
                func.coalesce(func.sum(reviewed.c.reviews), 0),
                func.coalesce(func.sum(reviewed.c.rating_sum), 0),
            )
            .outerjoin(reviewed, reviewed.c.order_id == f.order_id)
            .where(f.used_at.is_not(None))
            .group_by(f.customer_org_id, day),
            created,
        )  # fmt: skip
        target = ["month", "customer_org_id", "used_day", "redemptions", "amount_fen",
                  "last_used_at", "reviews", "rating_sum"]  # fmt: skip
        await self.session.execute(insert(CouponUsageRollup).from_select(target, query))
