"""Order analysis (订单分析): totals by period/category/status/institution, cycle times with the
operator of each step, value-added usage, review scores, coupon targets. Always within the
caller's scope. Every grouping and percentile runs in SQL (analysis/repository.py); this module
only shapes the answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orders.analysis.repository import AnalysisRepository, Scope
from orders.analysis.schemas import (
    AnalysisScope,
    CouponTarget,
    CouponTargets,
    CouponTargetsQuery,
    CycleTime,
    CycleTimes,
    Dimension,
    Operator,
    Period,
    ReviewScore,
    ReviewScores,
    ReviewsQuery,
    Totals,
    TotalsQuery,
    TotalsRow,
    Usage,
    UsageRow,
)
from orders.order.models import Order, RedemptionFact
from orders.order.service import BUSINESS_TZ, instants
from servicekit.auth import Principal
from shared_schemas import Money, OrderCategory, OrderStatus

#: The cycle-time steps the issue names: created → invoiced → settled, as the order columns
#: holding when (and by whom) each was first reached.
STEPS: tuple[tuple[OrderStatus, OrderStatus, Any, Any, Any], ...] = (
    (OrderStatus.created, OrderStatus.invoiced, Order.created_at, Order.first_invoiced_at,
     Order.first_invoiced_by),
    (OrderStatus.invoiced, OrderStatus.settled, Order.first_invoiced_at, Order.first_settled_at,
     Order.first_settled_by),
    (OrderStatus.created, OrderStatus.settled, Order.created_at, Order.first_settled_at,
     Order.first_settled_by),
)  # fmt: skip


class AnalysisService:
    def __init__(self, repository: AnalysisRepository) -> None:
        self.repo = repository

    async def totals(self, query: TotalsQuery, principal: Principal) -> Totals:
        by = [d.value for d in query.by]
        months = _whole_months(query)
        if months is not None and (query.period == Period.month or "period" not in by):
            # Whole months: the monthly summary answers without reading every order.
            rows = await self.repo.monthly_totals(_scope(query), months, by, principal)
        else:
            rows = await self.repo.totals(_scope(query), query.period.value, by, principal)
        return Totals(
            period=query.period,
            by=[d for d in Dimension if d in query.by],
            rows=[
                TotalsRow(
                    period=period,
                    category=None if category is None else OrderCategory(category),
                    status=None if status is None else OrderStatus(status),
                    customer_org_id=org,
                    count=count,
                    amount=Money.from_fen(fen).amount,
                )
                for period, category, status, org, count, fen in rows
            ],
            count=sum(r[4] for r in rows),
            amount=Money.from_fen(sum(r[5] for r in rows)).amount,
        )

    async def cycle_times(self, query: AnalysisScope, principal: Principal) -> CycleTimes:
        scope = _scope(query)
        steps = []
        all_stats = await self.repo.cycle_stats(scope, [(s[2], s[3]) for s in STEPS], principal)
        all_operators, creators = await self.repo.cycle_operators(scope, principal)
        for (start, end, *_), stats, operators in zip(STEPS, all_stats, all_operators, strict=True):
            steps.append(
                CycleTime(
                    start=start,
                    end=end,
                    count=stats.count,
                    p50_seconds=_whole(stats.p50_seconds),
                    p90_seconds=_whole(stats.p90_seconds),
                    operators=[Operator(by=by, count=n) for by, n in operators],
                )
            )
        return CycleTimes(steps=steps, creators=[Operator(by=b, count=n) for b, n in creators])

    async def usage(self, query: AnalysisScope, principal: Principal) -> Usage:
        columns = (
            RedemptionFact.car_model,
            RedemptionFact.city_code,
            RedemptionFact.used_hour,
            RedemptionFact.used_weekday,
        )
        labels: tuple[Any, ...] = (str, str, lambda h: f"{int(h):02d}", lambda d: str(int(d)))
        groups = await self.repo.usage_by(_scope(query), columns, principal)
        car, city, hour, weekday = (
            [
                UsageRow(key=label(k), count=n, amount=Money.from_fen(fen).amount)
                for k, n, fen in rows
            ]
            for label, rows in zip(labels, groups, strict=True)
        )
        return Usage(by_car_model=car, by_city=city, by_hour=hour, by_weekday=weekday)

    async def reviews(self, query: ReviewsQuery, principal: Principal) -> ReviewScores:
        rows = await self.repo.review_scores(_scope(query), query.by, principal)
        items = [
            ReviewScore(id=ident, name=name, count=n, average=_average(total, n))
            for ident, name, n, total in rows
        ]
        items.sort(key=lambda s: (-s.average, -s.count, s.id))
        return ReviewScores(by=query.by, items=items)

    async def coupon_targets(
        self, query: CouponTargetsQuery, principal: Principal
    ) -> CouponTargets:
        """The institutions to target with coupons (发券对象), by the documented rule: in the
        window of `window_days` business days ending `as_of`, at least `min_redemptions`
        redemptions, the latest within `active_within_days` of the window's end, and — when
        the redemptions were reviewed at least `min_reviews` times — an average rating of at
        least `min_average_rating`. Ordered by redemptions, then average rating."""
        as_of = query.as_of or _today()
        start, end = instants(as_of - timedelta(days=query.window_days - 1), as_of)
        assert start is not None and end is not None
        active_since = end - timedelta(days=query.active_within_days)
        targets = []
        for row in await self.repo.coupon_targets((start, end), principal):
            average = _average(row.rating_sum, row.reviews) if row.reviews else None
            if row.redemptions < query.min_redemptions:
                continue
            if row.last_used_at is None or row.last_used_at < active_since:
                continue
            if row.reviews >= query.min_reviews and average is not None:
                if average < query.min_average_rating:
                    continue
            elif query.require_reviews:
                continue
            targets.append(
                CouponTarget(
                    customer_org_id=row.customer_org_id,
                    redemptions=row.redemptions,
                    amount=Money.from_fen(row.amount_fen).amount,
                    last_used_at=row.last_used_at,
                    reviews=row.reviews,
                    average_rating=average,
                )
            )
        targets.sort(
            key=lambda t: (-t.redemptions, -(t.average_rating or 0), str(t.customer_org_id))
        )
        return CouponTargets(
            as_of=as_of,
            window_start=as_of - timedelta(days=query.window_days - 1),
            rule=query.rule_text(),
            items=targets[: query.limit],
        )


def _scope(query: AnalysisScope) -> Scope:
    return Scope(
        created=instants(query.created_from, query.created_to),
        categories=[c.value for c in query.category],
        customer_org_id=query.customer_org_id,
    )


def _whole_months(query: AnalysisScope) -> tuple[str | None, str | None] | None:
    """The scope as whole months (first, last; None = open), or None when it cuts a month:
    from the 1st of a month, to the last day of a month or to today or later (the current
    month holds nothing after today)."""
    first, last = query.created_from, query.created_to
    if first is not None and first.day != 1:
        return None
    if last is not None and (last + timedelta(days=1)).day != 1 and last < _today():
        return None
    return (
        first.strftime("%Y-%m") if first else None,
        last.strftime("%Y-%m") if last else None,
    )


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)


def _average(total: int, count: int) -> Decimal:
    return (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _today() -> date:
    return datetime.now(UTC).astimezone(BUSINESS_TZ).date()
