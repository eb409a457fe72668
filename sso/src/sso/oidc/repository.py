"""All SQL of the OpenID Connect provider."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sso.clients.models import Client
from sso.oidc.models import AuthorizationCode, BrowserSession, RefreshToken, RevokedToken


class OidcRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: BrowserSession | AuthorizationCode | RefreshToken | RevokedToken) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def client(self, client_id: str) -> Client | None:
        rows = await self.session.execute(select(Client).where(Client.client_id == client_id))
        return rows.scalar_one_or_none()

    async def client_by_pk(self, client_pk: uuid.UUID) -> Client | None:
        return await self.session.get(Client, client_pk)

    async def session_by_hash(self, token_hash: str) -> BrowserSession | None:
        rows = await self.session.execute(
            select(BrowserSession).where(BrowserSession.token_hash == token_hash)
        )
        return rows.scalar_one_or_none()

    async def browser_session(self, session_id: uuid.UUID) -> BrowserSession | None:
        return await self.session.get(BrowserSession, session_id)

    async def claim_code(self, code_hash: str, now: datetime) -> AuthorizationCode | None:
        """The code, marked used in the same statement (a concurrent second use finds it used)."""
        result = await self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == code_hash, AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
            .returning(AuthorizationCode.id)
        )
        claimed = result.scalar_one_or_none()
        if claimed is None:
            return None
        return await self.session.get(AuthorizationCode, claimed, populate_existing=True)

    async def code_by_hash(self, code_hash: str) -> AuthorizationCode | None:
        rows = await self.session.execute(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
        )
        return rows.scalar_one_or_none()

    async def refresh_by_hash(self, token_hash: str) -> RefreshToken | None:
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )
        return rows.scalar_one_or_none()

    async def claim_refresh(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Mark an unused, unrevoked refresh token used; False if someone else got there first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
            .returning(RefreshToken.id)
        )
        return result.scalar_one_or_none() is not None

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> list[RefreshToken]:
        """Every token of the family revoked; returns them (their access tokens go too)."""
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.family_id == family_id)
        )
        return list(rows.scalars())

    async def revoked_jtis(self, jtis: Collection[str]) -> set[str]:
        if not jtis:
            return set()
        rows = await self.session.execute(
            select(RevokedToken.jti).where(RevokedToken.jti.in_(list(jtis)))
        )
        return set(rows.scalars())

    async def is_revoked(self, jti: str) -> bool:
        return await self.session.get(RevokedToken, jti) is not None

    async def end_session(self, session_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(BrowserSession)
            .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
