"""Order analysis (订单分析): totals by period/category/status/institution, cycle times with the
operator of each step, value-added usage, review scores. Always within the caller's scope.

Percentiles are nearest-rank (the smallest observed value with at least p % of the values at or
below it), computed in Python; fine for now, the 1M-row benchmark is not done."""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orders.analysis.repository import AnalysisRepository, Scope
from orders.analysis.schemas import (
    AnalysisScope,
    CycleTime,
    CycleTimes,
    Operator,
    ReviewScore,
    ReviewScores,
    ReviewsQuery,
    Totals,
    TotalsQuery,
    TotalsRow,
    Usage,
    UsageRow,
)
from orders.order.service import BUSINESS_TZ, instants
from servicekit.auth import Principal
from shared_schemas import Money, OrderCategory, OrderStatus

#: The cycle-time steps the issue names: created → invoiced → settled.
STEPS = (
    (OrderStatus.created, OrderStatus.invoiced),
    (OrderStatus.invoiced, OrderStatus.settled),
    (OrderStatus.created, OrderStatus.settled),
)


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


class AnalysisService:
    def __init__(self, repository: AnalysisRepository) -> None:
        self.repo = repository

    async def totals(self, query: TotalsQuery, principal: Principal) -> Totals:
        rows = await self.repo.totals(_scope(query), query.period.value, principal)
        return Totals(
            period=query.period,
            rows=[
                TotalsRow(
                    period=period,
                    category=OrderCategory(category),
                    status=OrderStatus(status),
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
        wanted = sorted({s.value for step in STEPS for s in step})
        first: dict[uuid.UUID, dict[str, tuple[datetime, str]]] = defaultdict(dict)
        for order_id, status, at, by in await self.repo.milestones(
            _scope(query), wanted, principal
        ):
            first[order_id].setdefault(status, (at, by))  # rows come oldest first
        steps = []
        for start, end in STEPS:
            durations: list[float] = []
            operators: Counter[str] = Counter()
            for reached in first.values():
                if start.value in reached and end.value in reached:
                    durations.append(
                        (reached[end.value][0] - reached[start.value][0]).total_seconds()
                    )
                    operators[reached[end.value][1]] += 1
            steps.append(
                CycleTime(
                    start=start,
                    end=end,
                    count=len(durations),
                    p50_seconds=_whole(nearest_rank(durations, 50)),
                    p90_seconds=_whole(nearest_rank(durations, 90)),
                    operators=_operators(operators),
                )
            )
        creators = Counter(
            r[OrderStatus.created.value][1]
            for r in first.values()
            if OrderStatus.created.value in r
        )
        return CycleTimes(steps=steps, creators=_operators(creators))

    async def usage(self, query: AnalysisScope, principal: Principal) -> Usage:
        rows = await self.repo.extensions(
            _scope(query), OrderCategory.value_added_redemption.value, principal
        )

        def used_at(ext: dict[str, Any]) -> datetime:
            return datetime.fromisoformat(ext["coupon_used_at"]).astimezone(BUSINESS_TZ)

        return Usage(
            by_car_model=_grouped(rows, lambda e: e.get("car_model")),
            by_city=_grouped(rows, lambda e: (e.get("location") or {}).get("city_code")),
            by_hour=_grouped(rows, lambda e: f"{used_at(e).hour:02d}"),
            by_weekday=_grouped(rows, lambda e: str(used_at(e).isoweekday())),
        )

    async def reviews(self, query: ReviewsQuery, principal: Principal) -> ReviewScores:
        ratings: dict[tuple[str, str], list[int]] = defaultdict(list)
        for ext, rating in await self.repo.ratings(_scope(query), principal):
            subject = (ext or {}).get(query.by)
            if subject:
                ratings[(subject["id"], subject["name"])].append(rating)
        items = [
            ReviewScore(
                id=ident,
                name=name,
                count=len(values),
                average=(Decimal(sum(values)) / len(values)).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                ),
            )
            for (ident, name), values in ratings.items()
        ]
        items.sort(key=lambda s: (-s.average, -s.count, s.id))
        return ReviewScores(by=query.by, items=items)


def _scope(query: AnalysisScope) -> Scope:
    return Scope(
        created=instants(query.created_from, query.created_to),
        categories=[c.value for c in query.category],
        customer_org_id=query.customer_org_id,
    )


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else int(seconds)


def _operators(counts: Counter[str]) -> list[Operator]:
    return [
        Operator(by=by, count=n) for by, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]


def _grouped(
    rows: Iterable[tuple[dict[str, Any], int]], key: Callable[[dict[str, Any]], str | None]
) -> list[UsageRow]:
    counts: Counter[str] = Counter()
    fen: Counter[str] = Counter()
    for ext, amount in rows:
        value = key(ext)
        if value:
            counts[value] += 1
            fen[value] += amount
    return [
        UsageRow(key=k, count=n, amount=Money.from_fen(fen[k]).amount)
        for k, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    ]
