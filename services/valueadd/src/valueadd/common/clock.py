"""The clock valueadd's endpoints and event handlers read "now" from.

Production runs on `utc_now`; tests pin it with `use(FixedClock(...))` (or time-machine), so
no result depends on the day the suite runs. Services take a `Clock` argument; endpoints get
it from `ClockDep`, handlers from `current()`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends

from servicekit.clock import Clock, utc_now

_clock: Clock = utc_now


def use(clock: Clock) -> Clock:
    """Install a clock (tests); returns the one it replaces."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def _utc() -> datetime:
    # Whatever zone a test's clock is set in, what is stored and answered is UTC.
    return _clock().astimezone(UTC)


def current() -> Clock:
    return _utc


async def _clock_dependency() -> Clock:
    return _utc


ClockDep = Annotated[Clock, Depends(_clock_dependency)]
