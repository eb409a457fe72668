"""Analysis rollups: answers read from the refreshed rollups equal the answers computed from the
orders themselves, for whole and cut months, per institution and over all institutions, and
again after new orders and reviews arrive in an old month and the refresh runs."""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import delete, insert, select, update

from orders.analysis.models import AnalysisRollupState
from orders.analysis.refresh import RollupRefresher, _months
from orders.analysis.repository import AnalysisRepository, Scope
from orders.analysis.schemas import (
    AnalysisScope,
    CouponTargetsQuery,
    ReviewsQuery,
    TotalsQuery,
)
from orders.analysis.service import STEPS, AnalysisService, _percentiles, split_scope
from orders.order.models import Order, OrderMonthlyTotal, RedemptionFact
from orders.order.service import BUSINESS_TZ, instants
from servicekit.auth import Principal
from servicekit.clock import FixedClock

ANALYST = ("orders.analysis.query",)
#: Closed months (the rollups cover every month before the current one).
MONTHS = [(2026, 7), (2026, 8), (2026, 9)]
#: The refresher's "now" in these tests: MONTHS have closed, 2026-10 has not.
NOW = datetime(2026, 10, 20, 4, tzinfo=UTC)


_HOURS = itertools.count()


@pytest.fixture(autouse=True)
def _october() -> Iterator[None]:
    """Orders, reviews and trajectory rows are written in October 2026 too (the service reads
    the wall clock the refresher's default does), so no answer depends on the day the suite
    runs; each test an hour after the last, as the refresh state they share expects."""
    with time_machine.travel(NOW + timedelta(hours=next(_HOURS)), tick=True):
        yield


def _refresher(db: Any) -> RollupRefresher:
    """On the travelled wall clock: it ticks, as the writes' clock does (a review written after
    a refresh looked is newer than its `reviews_seen_at`)."""
    return RollupRefresher(db.sessionmaker)


def _principal(org: uuid.UUID | None) -> Principal:
    return Principal(
        subject="analyst",
        org_id=org,
        org_type=None,
        functions=frozenset(ANALYST),
        entry="orders",
        platform_operator=org is None,
    )


async def _arrange(api: Any, db: Any, org: uuid.UUID, rng: random.Random, n: int) -> list[str]:
    """n orders of `org` in July–September 2026: half value-added redemptions (extension data,
    some reviewed), with first milestones at varied durations (some equal, some missing)."""
    ids = []
    for i in range(n):
        year, month = MONTHS[i % len(MONTHS)]
        created = datetime(year, month, 1 + (i * 7) % 28, rng.randrange(24), tzinfo=UTC)
        redemption = i % 2 == 0
        extension = None
        if redemption:
            used = created - timedelta(minutes=rng.randrange(90))
            extension = {
                "coupon_used_at": used.isoformat(),
                "car_model": rng.choice(["比亚迪 秦PLUS", "特斯拉 Model Y", "理想 L7"]),
                "location": {"province_code": "440000", "city_code": rng.choice(["440300", "440100"])},
                "merchant": {"id": f"m{i % 3}", "name": f"商户{i % 3}"},
                "product": {"id": f"p{i % 2}", "name": f"产品{i % 2}"},
            }  # fmt: skip
        order = await api.create(
            org,
            category="value_added_redemption" if redemption else "risk_assessment",
            amount=f"{rng.randrange(1, 50000) / 100:.2f}",
            **({"extension": extension} if extension else {}),
        )
        ids.append(order["id"])
        if redemption and i % 4 == 0:
            for rating in rng.sample([1, 2, 3, 4, 5], rng.randrange(1, 3)):
                response = await api.client.post(
                    f"/v1/orders/{order['id']}/reviews",
                    json={"rating": rating},
                    headers=api.headers(org),
                )
                assert response.status_code == 201, response.text
        to_invoice = (
            None if i % 5 == 4 else timedelta(hours=rng.choice([1, 2, 3, 5, 8, 13, 21, 34]))
        )
        to_settle = (
            None if to_invoice is None or i % 3 == 2 else timedelta(days=rng.randrange(1, 40))
        )
        async with db.sessionmaker() as session, session.begin():
            await session.execute(
                update(Order)
                .where(Order.id == uuid.UUID(order["id"]))
                .values(
                    created_at=created,
                    first_invoiced_at=None if to_invoice is None else created + to_invoice,
                    first_invoiced_by=None if to_invoice is None else f"fin-{i % 3}",
                    first_settled_at=(
                        None if to_settle is None else created + to_invoice + to_settle  # type: ignore[operator]
                    ),
                    first_settled_by=None if to_settle is None else f"cashier-{i % 2}",
                )
            )
            await session.execute(
                update(RedemptionFact)
                .where(RedemptionFact.order_id == uuid.UUID(order["id"]))
                .values(created_at=created)
            )
    # The monthly summary as the write path would have kept it for orders created then.
    async with db.sessionmaker() as session, session.begin():
        t = OrderMonthlyTotal
        await session.execute(delete(t).where(t.customer_org_id == org))
        found = await session.execute(
            select(Order.created_at, Order.category, Order.status, Order.amount_fen).where(
                Order.customer_org_id == org
            )
        )
        totals: dict[tuple[str, str, str], list[int]] = {}
        for at, category, status, fen in found.all():
            key = (at.astimezone(BUSINESS_TZ).strftime("%Y-%m"), category, status)
            totals.setdefault(key, [0, 0])
            totals[key][0] += 1
            totals[key][1] += fen
        await session.execute(
            insert(t),
            [
                {"month": m, "customer_org_id": org, "category": c, "status": s, "count": n,
                 "amount_fen": fen}
                for (m, c, s), (n, fen) in totals.items()
            ],
        )  # fmt: skip
    return ids


SCOPES: list[dict[str, Any]] = [
    {},  # every month: the closed ones rolled up, the current one from the orders
    {"created_from": date(2026, 7, 1), "created_to": date(2026, 9, 30)},  # whole months
    {"created_from": date(2026, 7, 15), "created_to": date(2026, 9, 20)},  # cut months
    {"created_from": date(2026, 8, 1)},
    {"created_to": date(2026, 8, 31), "category": ["value_added_redemption"]},
    {"category": ["risk_assessment"]},
]


async def _answers(db: Any, org: uuid.UUID, *, rollups: bool) -> list[Any]:
    """Every analysis the rollups serve, for the institution and for an operator naming it
    and not naming any (all institutions of the test database)."""
    out: list[Any] = []
    async with db.sessionmaker() as session:
        service = AnalysisService(AnalysisRepository(session), rollups=rollups)
        for who, named in ((org, {}), (None, {"customer_org_id": org}), (None, {})):
            principal = _principal(who)
            for params in SCOPES:
                scope = AnalysisScope(**params, **named)
                out.append(await service.cycle_times(scope, principal))
                out.append(await service.usage(scope, principal))
                for by in ("product", "merchant"):
                    out.append(await service.reviews(ReviewsQuery(**params, **named, by=by), principal))  # fmt: skip
            if who is None and not named:  # closed months' totals from the status rollup
                for params in [*SCOPES, {"created_from": date(2026, 8, 1), "created_to": date(2026, 9, 30)}]:  # fmt: skip
                    for by in (["customer_org_id", "status"], ["period", "status"], ["status"]):
                        query = TotalsQuery(**params, by=by)
                        out.append(await service.totals(query, principal))
            for as_of in (date(2026, 8, 20), date(2026, 9, 30), date(2026, 11, 30)):
                query = CouponTargetsQuery(as_of=as_of, min_redemptions=1, min_reviews=1, limit=1000)  # fmt: skip
                out.append(await service.coupon_targets(query, principal))
    return [a.model_dump(mode="json", exclude={"rollups_as_of"}) for a in out]


async def test_rollups_answer_as_the_orders_do(api: Any, db: Any) -> None:
    rng = random.Random(5)
    org = uuid.uuid4()
    await _arrange(api, db, org, rng, 24)
    refresher = _refresher(db)
    report = await refresher.refresh()
    assert not report.skipped and {"2026-07", "2026-08", "2026-09"} <= set(report.months)

    direct = await _answers(db, org, rollups=False)
    assert await _answers(db, org, rollups=True) == direct
    assert any(step["count"] for step in direct[0]["steps"])  # the data is really there

    # The same over HTTP, with the time of the rollups the answer read.
    response = await api.client.get(
        "/v1/orders/analysis/cycle-times",
        params={"created_from": "2026-07-01", "created_to": "2026-09-30"},
        headers=api.headers(org, ANALYST),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rollups_as_of"] is not None
    assert {k: v for k, v in body.items() if k != "rollups_as_of"} == direct[4]  # SCOPES[1]
    operator = api.headers(api.org_a, ANALYST, operator=True, subject="ops")
    response = await api.client.get(
        "/v1/orders/analysis/totals",
        params={"by": ["customer_org_id", "status"], "created_from": "2026-07-01"},
        headers=operator,
    )
    totals = response.json()
    assert totals["rollups_as_of"] is not None
    assert [r["count"] for r in totals["rows"] if r["customer_org_id"] == str(org)] == [24]

    # New orders and reviews in old months: the rollups lag until the next refresh.
    earlier = await _arrange(api, db, org, random.Random(6), 8)
    response = await api.client.post(
        f"/v1/orders/{earlier[0]}/reviews", json={"rating": 1}, headers=api.headers(org)
    )
    assert response.status_code == 201
    stale = await _answers(db, org, rollups=True)
    fresh = await _answers(db, org, rollups=False)
    assert stale != fresh
    report = await refresher.refresh()
    assert {"2026-07", "2026-08", "2026-09"} <= set(report.months)
    assert await _answers(db, org, rollups=True) == fresh


async def test_percentiles_are_exact_where_a_bucket_holds_one_value(api: Any, db: Any) -> None:
    """Against the nearest-rank percentile_disc/window-function query over the orders."""
    org = uuid.uuid4()
    await _arrange(api, db, org, random.Random(7), 15)
    await _refresher(db).refresh()
    principal = _principal(org)
    async with db.sessionmaker() as session:
        repo = AnalysisRepository(session)
        exact = await repo.cycle_stats(
            Scope(created=instants(date(2026, 7, 1), None)),
            [(s[2], s[3]) for s in STEPS],
            principal,
        )
        answer = await AnalysisService(repo).cycle_times(
            AnalysisScope(created_from=date(2026, 7, 1)), principal
        )
    assert answer.rollups_as_of is not None
    for stats, step in zip(exact, answer.steps, strict=True):
        assert step.count == stats.count > 0
        assert step.p50_seconds == int(stats.p50_seconds or 0)
        assert step.p90_seconds == int(stats.p90_seconds or 0)


def test_percentiles_from_buckets_stay_within_the_bucket_width() -> None:
    rng = random.Random(3)
    durations = [rng.lognormvariate(11, 1.5) for _ in range(20_000)] + [0.25, 0.5]
    rows: dict[int, tuple[int, float, float]] = {}
    for s in durations:
        b = -1 if s < 1 else math.floor(math.log2(s) * 64)
        n, low, high = rows.get(b, (0, s, s))
        rows[b] = (n + 1, min(low, s), max(high, s))
    histogram = [(0, b, n, low, high) for b, (n, low, high) in rows.items()]
    ordered = sorted(durations)
    for p in (1, 10, 50, 90, 99, 100):
        count, (value,) = _percentiles(histogram, (p,))
        exact = ordered[math.ceil(len(ordered) * p / 100) - 1]
        assert count == len(durations)
        assert value is not None and abs(value - exact) <= exact * (2 ** (1 / 64) - 1)


def test_a_scope_splits_into_rolled_up_months_and_dates_read_live() -> None:
    d = date
    assert split_scope(None, None, None) == (None, [(None, None)])
    assert split_scope(None, None, "2026-10") == ((None, "2026-10"), [(d(2026, 11, 1), None)])
    assert split_scope(d(2026, 7, 1), d(2026, 9, 30), "2026-10") == (("2026-07", "2026-09"), [])
    assert split_scope(d(2026, 7, 15), d(2026, 9, 20), "2026-10") == (
        ("2026-08", "2026-08"),
        [(d(2026, 7, 15), d(2026, 7, 31)), (d(2026, 9, 1), d(2026, 9, 20))],
    )
    assert split_scope(d(2026, 7, 15), d(2026, 8, 20), "2026-10") == (
        None, [(d(2026, 7, 15), d(2026, 8, 20))],
    )  # fmt: skip
    assert split_scope(d(2025, 12, 1), None, "2026-10") == (
        ("2025-12", "2026-10"), [(d(2026, 11, 1), None)],
    )  # fmt: skip
    assert split_scope(d(2026, 11, 2), None, "2026-10") == (None, [(d(2026, 11, 2), None)])


async def test_a_refresh_after_months_closed_computes_them(api: Any, db: Any) -> None:
    """Months that closed since the last refresh are computed even without changes (and a
    refresh of many months refreshes the planner's statistics too)."""
    clock = FixedClock(datetime(2026, 11, 20, tzinfo=UTC))
    refresher = RollupRefresher(db.sessionmaker, clock=clock)
    assert (await refresher.refresh()).covered_through == "2026-10"
    clock.set(datetime(2027, 6, 2, tzinfo=UTC))
    try:
        report = await refresher.refresh()
        assert report.covered_through == "2027-05"
        assert _months("2026-11", "2027-05") == report.months[-7:]
    finally:  # the other tests expect this month to be read from the orders
        async with db.sessionmaker() as session, session.begin():
            await session.execute(delete(AnalysisRollupState))


async def test_a_change_is_recomputed_once_unless_a_late_commit_shows(api: Any, db: Any) -> None:
    """The rows between the watermark and what the last refresh saw are counted, not
    recomputed, unless their count changed (a transaction that committed after it looked)."""
    refresher = _refresher(db)
    await _arrange(api, db, uuid.uuid4(), random.Random(8), 6)
    first = await refresher.refresh()
    assert {"2026-07", "2026-08", "2026-09"} <= set(first.months)
    assert (await refresher.refresh()).months == []
    async with db.sessionmaker() as session, session.begin():  # as if one was not visible
        state = await session.get(AnalysisRollupState, 1)
        assert state is not None and state.steps_seen > 0
        state.steps_seen -= 1
    assert {"2026-07", "2026-08", "2026-09"} <= set((await refresher.refresh()).months)
    assert (await refresher.refresh()).months == []
