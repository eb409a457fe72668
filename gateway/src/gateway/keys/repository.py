"""All SQL of the signing keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.keys.models import InternalSigningKey, KeyStatus


class KeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(self) -> Sequence[InternalSigningKey]:
        """Current first, then previous."""
        query = (
            select(InternalSigningKey)
            .where(InternalSigningKey.status != KeyStatus.retired.value)
            .order_by(InternalSigningKey.status, InternalSigningKey.created_at.desc())
        )
        return (await self.session.execute(query)).scalars().all()

    async def demote(self, now: datetime) -> None:
        """previous → retired, current → previous (before a new current key is added)."""
        table = InternalSigningKey
        await self.session.execute(
            update(table)
            .where(table.status == KeyStatus.previous.value)
            .values(status=KeyStatus.retired.value, rotated_at=now)
        )
        await self.session.execute(
            update(table)
            .where(table.status == KeyStatus.current.value)
            .values(status=KeyStatus.previous.value, rotated_at=now)
        )

    def add(self, key: InternalSigningKey) -> None:
        self.session.add(key)

    async def flush(self) -> None:
        await self.session.flush()
