"""Time as a dependency: code that reads "now" takes a `Clock`, so tests pin it.

A clock is any zero-argument callable returning an aware UTC datetime. Production passes
`utc_now`; tests pass a `FixedClock` (or use time-machine) so no result depends on the day
the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (the only place production code should read it)."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told: starts at `at`, moves only by `advance`/`set`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at
