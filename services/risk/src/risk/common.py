"""What every risk module shares: the injected clock, business numbers, the business time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import Integer, String, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from risk.db import Base
from servicekit.clock import Clock, utc_now

#: Business days and numbers follow Beijing time, as the people who read them do.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def request_clock(request: Request) -> Clock:
    """The app's clock: `app.state.clock` when a test pinned one, else the wall clock."""
    return getattr(request.app.state, "clock", utc_now)


AppClock = Annotated[Clock, Depends(request_clock)]


class NumberCounter(Base):
    """Per-prefix, per-day counters behind business numbers (PG20261204000001, …)."""

    __tablename__ = "number_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


async def next_number(session: AsyncSession, prefix: str, at: datetime) -> str:
    """`<prefix><yyyymmdd><6 digits>`; the UPDATE's row lock serialises concurrent writers."""
    day = at.astimezone(BUSINESS_TZ).strftime("%Y%m%d")
    bump = (
        update(NumberCounter)
        .where(NumberCounter.prefix == prefix, NumberCounter.day == day)
        .values(last=NumberCounter.last + 1)
        .returning(NumberCounter.last)
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is None:
        try:
            async with session.begin_nested():
                await session.execute(insert(NumberCounter).values(prefix=prefix, day=day, last=1))
            value = 1
        except IntegrityError:  # another transaction created the day's row first
            value = (await session.execute(bump)).scalar_one()
    return f"{prefix}{day}{int(value):06d}"
