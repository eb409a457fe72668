"""All SQL of the signing keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sso.db import database_of, utcnow
from sso.keys.models import KeyStatus, SigningKey


class KeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(self) -> Sequence[SigningKey]:
        """Current first, then previous."""
        rows = await self.session.execute(
            select(SigningKey)
            .where(SigningKey.status.in_([KeyStatus.current.value, KeyStatus.previous.value]))
            .order_by(SigningKey.status, SigningKey.created_at.desc())
        )
        return rows.scalars().all()

    async def by_kid(self, kid: str) -> SigningKey | None:
        rows = await self.session.execute(select(SigningKey).where(SigningKey.kid == kid))
        return rows.scalar_one_or_none()

    async def demote(self) -> None:
        """previous → retired, current → previous."""
        now = utcnow()
        await self.session.execute(
            update(SigningKey)
            .where(SigningKey.status == KeyStatus.previous.value)
            .values(status=KeyStatus.retired.value, rotated_at=now)
        )
        await self.session.execute(
            update(SigningKey)
            .where(SigningKey.status == KeyStatus.current.value)
            .values(status=KeyStatus.previous.value, rotated_at=now)
        )

    def database(self) -> str:
        """Which database this is (the process-wide current-key cache is kept per database)."""
        return database_of(self.session)

    def add(self, key: SigningKey) -> None:
        self.session.add(key)

    async def flush(self) -> None:
        await self.session.flush()
