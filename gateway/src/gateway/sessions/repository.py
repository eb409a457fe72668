"""All SQL of browser sessions and login requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.sessions.models import BrowserSession, LoginRequest


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: BrowserSession | LoginRequest) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def take_login(self, state: str) -> LoginRequest | None:
        """The login request for `state`, removed (a state is good for one callback)."""
        row = await self.session.get(LoginRequest, state)
        if row is not None:
            await self.session.delete(row)
        return row

    async def by_token_hash(self, token_hash: str) -> BrowserSession | None:
        query = select(BrowserSession).where(BrowserSession.token_hash == token_hash)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def end(self, token_hash: str, now: datetime, reason: str) -> BrowserSession | None:
        row = await self.by_token_hash(token_hash)
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = now, reason
        return row

    async def end_all_of(self, subject: str, now: datetime, reason: str) -> int:
        result = await self.session.execute(
            update(BrowserSession)
            .where(BrowserSession.subject == subject, BrowserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def touch(self, token_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(BrowserSession)
            .where(BrowserSession.token_hash == token_hash)
            .values(last_seen_at=now)
        )

    async def purge(self, before: datetime) -> int:
        """Forget sessions ended or expired before `before`, and stale login requests."""
        await self.session.execute(delete(LoginRequest).where(LoginRequest.expires_at < before))
        result = await self.session.execute(
            delete(BrowserSession).where(
                or_(BrowserSession.ended_at < before, BrowserSession.expires_at < before)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
