"""Order analysis (订单分析): totals by period/category/status/institution, cycle times with the
operator of each step, value-added usage, review scores, coupon targets. Always within the
caller's scope. Every grouping runs in SQL (analysis/repository.py); this module splits a scope
into closed months read from the rollups (analysis/models.py, as of their last refresh) and the
rest read from the orders, merges the two, and shapes the answers.

Cycle-time percentiles come from duration histograms (the rollups' and the live part's, in the
same buckets): nearest rank over the merged counts, the value being the bucket's exact smallest
or largest duration when the rank is the bucket's first or last, else interpolated inside the
bucket — within the bucket width (~1.09 %) of the exact percentile.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orders.analysis.models import CREATORS
from orders.analysis.repository import AnalysisRepository, HistogramRow, Scope, TargetRow
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
from servicekit.clock import Clock, utc_now
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


#: A scope split: closed months read from the rollups (first None = from the beginning;
#: None: no rollups) and the date ranges read from the orders.
Split = tuple[tuple[str | None, str] | None, list[tuple[date | None, date | None]]]


class AnalysisService:
    def __init__(
        self, repository: AnalysisRepository, *, rollups: bool = True, clock: Clock = utc_now
    ) -> None:
        """`rollups=False`: every answer computed from the orders (the reference the rollups
        are tested against). `clock`: what "today" is (the default as_of, the current month)."""
        self.repo = repository
        self.rollups = rollups
        self.clock = clock

    def _today(self) -> date:
        return self.clock().astimezone(BUSINESS_TZ).date()

    async def _split(self, query: AnalysisScope) -> tuple[Split, datetime | None]:
        if not self.rollups:
            return (None, [(query.created_from, query.created_to)]), None
        through, as_of = await self.repo.rollup_coverage()
        split = split_scope(query.created_from, query.created_to, through)
        return split, as_of if split[0] is not None else None

    async def totals(self, query: TotalsQuery, principal: Principal) -> Totals:
        by = [d.value for d in query.by]
        months = _whole_months(query, self._today())
        as_of = None
        if months is not None and (query.period == Period.month or "period" not in by):
            # Whole months: the monthly summary answers without reading every order; over the
            # whole platform without categories, closed months from its rollup by status.
            through, refreshed = await self.repo.rollup_coverage() if self.rollups else (None, None)
            first, last = months
            if (
                through is not None
                and principal.platform_operator
                and query.customer_org_id is None
                and not query.category
                and "category" not in by
                and (first is None or first <= through)
            ):
                rolled = (first, through if last is None else min(last, through))
                rows = list(await self.repo.rolled_up_status_totals(rolled, by, principal))
                after = _next_month(through)
                if last is None or last >= after:
                    rows += await self.repo.monthly_totals(
                        _scope(query), (after, last), by, principal
                    )
                rows = _merge_totals(rows)
                as_of = refreshed
            else:
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
            rollups_as_of=as_of,
        )

    async def cycle_times(self, query: AnalysisScope, principal: Principal) -> CycleTimes:
        (months, live), as_of = await self._split(query)
        milestones = [(s[2], s[3]) for s in STEPS]
        histogram: list[HistogramRow] = []
        operators: list[Counter[str]] = [Counter() for _ in range(CREATORS + 1)]
        if months is not None:
            histogram += await self.repo.rolled_up_histogram(months, _scope(query), principal)
            for step, by, n in await self.repo.rolled_up_operators(
                months, _scope(query), principal
            ):
                operators[step][by] += n
        for dates in live:
            scope = _scope(query, dates)
            histogram += await self.repo.cycle_histogram(scope, milestones, principal)
            step_operators, creators = await self.repo.cycle_operators(scope, principal)
            for step, found in enumerate([*step_operators, creators]):
                for by, n in found:
                    operators[step][by] += n
        steps = []
        for index, (start, end, *_) in enumerate(STEPS):
            count, (p50, p90) = _percentiles([r for r in histogram if r[0] == index], (50, 90))
            steps.append(
                CycleTime(
                    start=start,
                    end=end,
                    count=count,
                    p50_seconds=_whole(p50),
                    p90_seconds=_whole(p90),
                    operators=_operators(operators[index]),
                )
            )
        return CycleTimes(
            steps=steps, creators=_operators(operators[CREATORS]), rollups_as_of=as_of
        )

    async def usage(self, query: AnalysisScope, principal: Principal) -> Usage:
        columns = (
            RedemptionFact.car_model,
            RedemptionFact.city_code,
            RedemptionFact.used_hour,
            RedemptionFact.used_weekday,
        )
        labels: tuple[Any, ...] = (str, str, lambda h: f"{int(h):02d}", lambda d: str(int(d)))
        native: tuple[Any, ...] = (str, str, int, int)  # the facts' column types
        (months, live), as_of = await self._split(query)
        merged: list[dict[Any, list[int]]] = [defaultdict(lambda: [0, 0]) for _ in columns]
        if months is not None and _has_redemptions(query):
            for dim, key, n, fen in await self.repo.rolled_up_usage(
                months, _scope(query), principal
            ):
                merged[dim][native[dim](key)][0] += n
                merged[dim][native[dim](key)][1] += fen
        for dates in live:
            groups = await self.repo.usage_by(_scope(query, dates), columns, principal)
            for dim, rows in enumerate(groups):
                for key, n, fen in rows:
                    merged[dim][native[dim](key)][0] += n
                    merged[dim][native[dim](key)][1] += fen
        car, city, hour, weekday = (
            [
                UsageRow(key=label(k), count=n, amount=Money.from_fen(fen).amount)
                for k, (n, fen) in sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
            ]
            for label, rows in zip(labels, merged, strict=True)
        )
        return Usage(
            by_car_model=car, by_city=city, by_hour=hour, by_weekday=weekday, rollups_as_of=as_of
        )

    async def reviews(self, query: ReviewsQuery, principal: Principal) -> ReviewScores:
        (months, live), as_of = await self._split(query)
        rows: list[tuple[str, str, int, int]] = []
        if months is not None and _has_redemptions(query):
            rows += await self.repo.rolled_up_reviews(months, _scope(query), query.by, principal)
        for dates in live:
            rows += await self.repo.review_scores(_scope(query, dates), query.by, principal)
        merged: dict[str, tuple[str, int, int]] = {}
        for ident, name, n, total in rows:
            if ident in merged:
                before = merged[ident]
                name, n, total = min(before[0], name), before[1] + n, before[2] + total
            merged[ident] = (name, n, total)
        items = [
            ReviewScore(id=ident, name=name, count=n, average=_average(total, n))
            for ident, (name, n, total) in merged.items()
        ]
        items.sort(key=lambda s: (-s.average, -s.count, s.id))
        return ReviewScores(by=query.by, items=items, rollups_as_of=as_of)

    async def coupon_targets(
        self, query: CouponTargetsQuery, principal: Principal
    ) -> CouponTargets:
        """The institutions to target with coupons (发券对象), by the documented rule: in the
        window of `window_days` business days ending `as_of`, at least `min_redemptions`
        redemptions, the latest within `active_within_days` of the window's end, and — when
        the redemptions were reviewed at least `min_reviews` times — an average rating of at
        least `min_average_rating`. Ordered by redemptions, then average rating."""
        as_of = query.as_of or self._today()
        start, end = instants(as_of - timedelta(days=query.window_days - 1), as_of)
        assert start is not None and end is not None
        active_since = end - timedelta(days=query.active_within_days)
        through, as_of_rollups = await self.repo.rollup_coverage() if self.rollups else (None, None)
        rows: list[TargetRow] = []
        if through is None:
            rows += await self.repo.coupon_targets((start, end), principal)
        else:
            first_day = (as_of - timedelta(days=query.window_days - 1)).isoformat()
            rows += await self.repo.rolled_up_coupon_usage(
                (first_day, as_of.isoformat()), through, principal
            )
            after, _ = instants(_month_start(_next_month(through)), None)
            rows += await self.repo.coupon_targets((start, end), principal, created_from=after)
        targets = []
        for row in _merge_targets(rows):
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
            rollups_as_of=as_of_rollups,
        )


def _scope(query: AnalysisScope, dates: tuple[date | None, date | None] | None = None) -> Scope:
    first, last = (query.created_from, query.created_to) if dates is None else dates
    return Scope(
        created=instants(first, last),
        categories=[c.value for c in query.category],
        customer_org_id=query.customer_org_id,
    )


def _has_redemptions(query: AnalysisScope) -> bool:
    """The redemption facts are all value_added_redemption: another category has none."""
    return not query.category or OrderCategory.value_added_redemption in query.category


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def split_scope(first: date | None, last: date | None, through: str | None) -> Split:
    """Business dates [first, last] (None = open) as the whole months up to `through` (the
    rollups' last month) and the date ranges around them read from the orders: a cut first
    month, and everything after the last whole covered month."""
    if through is None:
        return None, [(first, last)]
    if first is None:
        from_month = None
    else:
        from_month = first.strftime("%Y-%m")
        if first.day != 1:
            from_month = _next_month(from_month)
    to_month = through
    if last is not None:
        last_whole = last.strftime("%Y-%m")
        if (last + timedelta(days=1)).day != 1:  # not a month's last day: the month before
            last_whole = (last.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        to_month = min(to_month, last_whole)
    if from_month is not None and from_month > to_month:
        return None, [(first, last)]
    live: list[tuple[date | None, date | None]] = []
    if first is not None and from_month is not None and first < _month_start(from_month):
        live.append((first, _month_start(from_month) - timedelta(days=1)))
    after = _month_start(_next_month(to_month))
    if last is None or last >= after:
        live.append((after, last))
    return (from_month, to_month), live


def _percentiles(
    rows: list[HistogramRow], percents: tuple[int, ...]
) -> tuple[int, list[float | None]]:
    """Count and nearest-rank percentiles of histogram rows (any order, buckets repeated)."""
    buckets: dict[int, tuple[int, float, float]] = {}
    for _, bucket, n, low, high in rows:
        if bucket in buckets:
            seen = buckets[bucket]
            buckets[bucket] = (seen[0] + n, min(seen[1], low), max(seen[2], high))
        else:
            buckets[bucket] = (n, low, high)
    ordered = [buckets[b] for b in sorted(buckets)]
    total = sum(b[0] for b in ordered)
    values: list[float | None] = []
    for percent in percents:
        if total == 0:
            values.append(None)
            continue
        rank = (total * percent + 99) // 100  # ceil(n·p/100)
        below = 0
        for n, low, high in ordered:
            if below + n >= rank:
                values.append(_inside(rank - below, n, low, high))
                break
            below += n
    return total, values


def _inside(k: int, n: int, low: float, high: float) -> float:
    """The k-th of n durations in a bucket spanning [low, high]: exact at either end, else
    geometrically interpolated (the bucket is narrow: ~1.09 %)."""
    if k <= 1 or low == high:
        return low
    if k >= n:
        return high
    if low <= 0:
        return low + (high - low) * (k - 1) / (n - 1)
    return float(low * (high / low) ** ((k - 1) / (n - 1)))


def _operators(counts: Counter[str]) -> list[Operator]:
    return [
        Operator(by=by, count=n) for by, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


#: A totals row: (period, category, status, institution, count, fen).
TotalsTuple = tuple[str | None, str | None, str | None, Any, int, int]


def _merge_totals(rows: Sequence[TotalsTuple]) -> list[TotalsTuple]:
    """Rows of the same key added (rollup + live months), in the SQL's order (nulls last)."""
    merged: dict[tuple[Any, ...], list[int]] = {}
    for period, category, status, org, n, fen in rows:
        counts = merged.setdefault((period, category, status, org), [0, 0])
        counts[0] += n
        counts[1] += fen
    ordered = sorted(merged.items(), key=lambda i: [(v is None, v or "") for v in i[0]])
    return [(p, c, s, o, n, fen) for (p, c, s, o), (n, fen) in ordered if n]


def _merge_targets(rows: list[TargetRow]) -> list[TargetRow]:
    merged: dict[Any, TargetRow] = {}
    for row in rows:
        seen = merged.get(row.customer_org_id)
        if seen is None:
            merged[row.customer_org_id] = row
            continue
        last = [t for t in (seen.last_used_at, row.last_used_at) if t is not None]
        merged[row.customer_org_id] = TargetRow(
            row.customer_org_id,
            seen.redemptions + row.redemptions,
            seen.amount_fen + row.amount_fen,
            max(last) if last else None,
            seen.reviews + row.reviews,
            seen.rating_sum + row.rating_sum,
        )
    return list(merged.values())


def _whole_months(query: AnalysisScope, today: date) -> tuple[str | None, str | None] | None:
    """The scope as whole months (first, last; None = open), or None when it cuts a month:
    from the 1st of a month, to the last day of a month or to today or later (the current
    month holds nothing after today)."""
    first, last = query.created_from, query.created_to
    if first is not None and first.day != 1:
        return None
    if last is not None and (last + timedelta(days=1)).day != 1 and last < today:
        return None
    return (
        first.strftime("%Y-%m") if first else None,
        last.strftime("%Y-%m") if last else None,
    )


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)


def _average(total: int, count: int) -> Decimal:
    return (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
