"""Human-readable business numbers: <prefix><yyyymmdd><6 digits>, one counter per prefix and day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from valueadd.common.types import BUSINESS_TZ
from valueadd.db import Base


class NumberCounter(Base):
    """Per prefix and Shanghai day, the last number given (batches CB…, statements ST…)."""

    __tablename__ = "va_number_counters"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


async def next_number(session: AsyncSession, prefix: str, at: datetime) -> str:
    """Atomic: the UPDATE's row lock serialises concurrent takers of the same prefix and day."""
    day = at.astimezone(BUSINESS_TZ).strftime("%Y%m%d")
    key = f"{prefix}{day}"
    bump = (
        update(NumberCounter)
        .where(NumberCounter.key == key)
        .values(last=NumberCounter.last + 1)
        .returning(NumberCounter.last)
    )
    value = (await session.execute(bump)).scalar_one_or_none()
    if value is None:
        try:
            async with session.begin_nested():
                await session.execute(insert(NumberCounter).values(key=key, last=1))
            value = 1
        except IntegrityError:  # another transaction created the day's row first
            value = (await session.execute(bump)).scalar_one()
    return f"{key}{int(value):06d}"
