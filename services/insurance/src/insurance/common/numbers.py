"""Business numbers people read and type: TB20261102000001 (投保单), CJ… (成交), TS… (推送任务).

One counter row per prefix and day, advanced by an upsert (`ON CONFLICT DO UPDATE … RETURNING`,
on PostgreSQL and SQLite alike), so two requests never get the same number.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from insurance.db import Base

#: Numbers are dated in Beijing time: a proposal made at 07:30 there is that day's.
BEIJING = timezone(timedelta(hours=8))


class NumberCounter(Base):
    __tablename__ = "number_counters"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)  # prefix + YYYYMMDD
    last: Mapped[int] = mapped_column(Integer)


async def next_number(session: AsyncSession, prefix: str, at: datetime) -> str:
    key = f"{prefix}{at.astimezone(BEIJING):%Y%m%d}"
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = NumberCounter.__table__
    statement = (
        insert(table)
        .values(key=key, last=1)
        .on_conflict_do_update(index_elements=["key"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    last = (await session.execute(statement)).scalar_one()
    return f"{key}{last:06d}"
