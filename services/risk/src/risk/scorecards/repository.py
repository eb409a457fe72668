"""All SQL of scorecards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from risk.scorecards.models import Scorecard, ScorecardStatus


class ScorecardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, card: Scorecard) -> None:
        self.session.add(card)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, card_id: uuid.UUID) -> Scorecard | None:
        return await self.session.get(Scorecard, card_id)

    async def get_for_update(self, card_id: uuid.UUID) -> Scorecard | None:
        query = select(Scorecard).where(Scorecard.id == card_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_version(self, code: str, version: int) -> Scorecard | None:
        query = select(Scorecard).where(Scorecard.code == code, Scorecard.version == version)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def all(self, code: str | None = None) -> Sequence[Scorecard]:
        query = select(Scorecard).order_by(Scorecard.code, Scorecard.version.desc())
        if code:
            query = query.where(Scorecard.code == code)
        return (await self.session.execute(query)).scalars().all()

    async def next_version(self, code: str) -> int:
        query = select(func.coalesce(func.max(Scorecard.version), 0)).where(Scorecard.code == code)
        return int((await self.session.execute(query)).scalar_one()) + 1

    async def live(self, code: str, on: date) -> Scorecard | None:
        """The published version in force on that day: the highest version already effective."""
        query = (
            select(Scorecard)
            .where(
                Scorecard.code == code,
                Scorecard.status == ScorecardStatus.published.value,
                Scorecard.effective_from <= on,
            )
            .order_by(Scorecard.version.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()
