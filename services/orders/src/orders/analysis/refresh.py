"""The rollup refresh job: recompute the closed months whose orders changed since the last run.

Run by orders' worker every `ORDERS_ANALYSIS_REFRESH_SECONDS` (60) and by
`python -m orders refresh-analysis`. One refresh is one transaction (readers see the rollups
before or after it, never half of it), holding the state row so two workers never refresh at
once (PostgreSQL: the second one skips).

What changed is found without hooks in the write path: every change an analysis reads comes
with a trajectory row (an order's creation is its first step; invoiced and settled are steps)
or a review. Trajectory rows after the watermark `step_id_safe` and reviews created since
`reviews_since` name their orders, whose months of creation are recomputed whole; months that
closed since the last refresh are computed too. The watermarks trail the refresh by twice
SETTLE_SECONDS: a write transaction (shorter than that) that took its trajectory id or review
time before the watermark has committed before the refresh started, so nothing is skipped.
The rows between the watermark and what the last refresh saw are only counted again (one
snapshot: REPEATABLE READ on PostgreSQL): their months are recomputed only if a late commit
changed the count, so a change is normally recomputed once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.analysis.models import AnalysisRollupState
from orders.analysis.rollup_repository import RollupRepository
from orders.order.service import BUSINESS_TZ, instants
from servicekit.clock import Clock, utc_now

#: A refresh recomputing this many months (the first one, or after a long stop) refreshes
#: the planner's statistics of the rollups too.
BULK_MONTHS = 6

#: Longer than any write transaction of orders (import chunks, event batches: seconds).
SETTLE_SECONDS = 60

log = logging.getLogger("orders.analysis.refresh")


@dataclass
class RefreshReport:
    months: list[str] = field(default_factory=list)
    covered_through: str | None = None
    seconds: float = 0.0
    skipped: bool = False


def _month(at: datetime) -> str:
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m")


def _months(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive (YYYY-MM)."""
    out = []
    year, number = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{number:02d}" <= last:
        out.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return out


def _instants(month: str) -> tuple[datetime, datetime]:
    year, number = int(month[:4]), int(month[5:7])
    first = datetime(year, number, 1).date()
    following = datetime(year + number // 12, number % 12 + 1, 1).date()
    start, end = instants(first, following - timedelta(days=1))
    assert start is not None and end is not None
    return start, end


class RollupRefresher:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock = utc_now
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    async def refresh(self, now: datetime | None = None) -> RefreshReport:
        started = now or self.clock()
        clock = time.perf_counter()
        this_month = _month(started)
        last_closed = (
            datetime.strptime(this_month + "-01", "%Y-%m-%d") - timedelta(days=1)
        ).strftime("%Y-%m")
        report = RefreshReport(covered_through=last_closed)
        async with self.sessionmaker() as session, session.begin():
            repo = RollupRepository(session)
            await repo.one_snapshot()
            state = await repo.lock_state()
            if state is None:
                return RefreshReport(skipped=True)
            watermark = started - timedelta(seconds=2 * SETTLE_SECONDS)
            top = await repo.last_step_id()
            if state.covered_through is None:
                first = await repo.first_created_at()
                months = set(_months(_month(first), last_closed)) if first else set()
            else:
                months = await self._changed_months(repo, state, top, started)
                if state.covered_through < last_closed:  # months closed since
                    months |= set(_months(state.covered_through, last_closed)[1:])
            report.months = sorted(m for m in months if m <= last_closed)
            for month in report.months:
                await repo.recompute(month, _instants(month))
            state.covered_through = last_closed
            state.refreshed_at = started
            # What the next refresh rescans, and how many rows it holds now.
            state.step_id_safe = max(state.step_id_safe, await repo.step_id_before(watermark))
            state.step_id_seen = max(top, state.step_id_safe)
            state.steps_seen = await repo.steps_between(state.step_id_safe, state.step_id_seen)
            state.reviews_since, state.reviews_seen_at = watermark, started
            state.reviews_seen = await repo.reviews_between(watermark, started)
        if len(report.months) >= BULK_MONTHS:
            async with self.sessionmaker() as session, session.begin():
                await RollupRepository(session).analyze()
        report.seconds = time.perf_counter() - clock
        return report

    @staticmethod
    async def _changed_months(
        repo: RollupRepository, state: AnalysisRollupState, top: int, started: datetime
    ) -> set[str]:
        """Months of the rows written since the last refresh, and of the rescanned rows if
        one of them committed since it looked (their count changed: rows are only added)."""
        months = await repo.months_with_steps(state.step_id_seen, top)
        seen = await repo.steps_between(state.step_id_safe, state.step_id_seen)
        if seen != state.steps_seen:
            months |= await repo.months_with_steps(state.step_id_safe, state.step_id_seen)
        if state.reviews_seen_at is not None and state.reviews_since is not None:
            months |= await repo.months_with_reviews(state.reviews_seen_at, None)
            seen = await repo.reviews_between(state.reviews_since, state.reviews_seen_at)
            if seen != state.reviews_seen:
                months |= await repo.months_with_reviews(state.reviews_since, state.reviews_seen_at)
        return months


async def refresh_forever(
    sessionmaker: async_sessionmaker[AsyncSession], interval: float, stop: asyncio.Event
) -> None:
    """The worker's loop: refresh, then wait `interval` seconds (or until stopped)."""
    refresher = RollupRefresher(sessionmaker)
    while not stop.is_set():
        try:
            report = await refresher.refresh()
            if report.months:
                log.info(
                    "analysis rollups refreshed: %d month(s) in %.1f s, covered through %s",
                    len(report.months), report.seconds, report.covered_through,
                )  # fmt: skip
        except Exception:  # logged and retried at the next interval
            log.exception("analysis rollup refresh failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
