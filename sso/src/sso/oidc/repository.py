"""All SQL of the OpenID Connect provider."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sso.clients.models import Client
from sso.entitlements.models import InstitutionEntitlement
from sso.oidc.models import AuthorizationCode, BrowserSession, RefreshToken, RevokedToken
from sso.organizations.models import Institution
from sso.users.models import User


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

    async def institution_for_token(
        self, institution_id: uuid.UUID
    ) -> tuple[Institution, int] | None:
        """The institution and its entitlement version (0 before the first) in one statement:
        what an access token carries (`org`, `org_type`, `ent_ver`). The version is read fresh."""
        rows = await self.session.execute(
            select(Institution, InstitutionEntitlement.version)
            .outerjoin(
                InstitutionEntitlement, InstitutionEntitlement.institution_id == Institution.id
            )
            .where(Institution.id == institution_id)
        )
        row = rows.one_or_none()
        return None if row is None else (row[0], int(row[1] or 0))

    async def user_for_token(self, user_id: uuid.UUID) -> tuple[User, Institution, int] | None:
        """The user (read fresh), its institution and the institution's entitlement version in
        one statement."""
        rows = await self.session.execute(
            select(User, Institution, InstitutionEntitlement.version)
            .join(Institution, Institution.id == User.institution_id)
            .outerjoin(
                InstitutionEntitlement, InstitutionEntitlement.institution_id == Institution.id
            )
            .where(User.id == user_id)
            .execution_options(populate_existing=True)
        )
        row = rows.one_or_none()
        return None if row is None else (row[0], row[1], int(row[2] or 0))

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
            .returning(AuthorizationCode)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

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

    async def claim_refresh(
        self, token_hash: str, client_pk: uuid.UUID, now: datetime
    ) -> RefreshToken | None:
        """The client's unused, unrevoked refresh token, marked used in the same statement (a
        concurrent second use finds it used); None when there is no such token."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.client_pk == client_pk,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
            .returning(RefreshToken)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

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

    async def session_families(self, session_id: uuid.UUID) -> list[uuid.UUID]:
        """The refresh-token families started in a browser session."""
        rows = await self.session.execute(
            select(RefreshToken.family_id).where(RefreshToken.session_id == session_id).distinct()
        )
        return list(rows.scalars())

    async def session_code_jtis(self, session_id: uuid.UUID, now: datetime) -> list[str]:
        """Burns the session's unused codes; returns the access `jti`s its codes produced."""
        await self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.session_id == session_id, AuthorizationCode.used_at.is_(None))
            .values(used_at=now)
        )
        rows = await self.session.execute(
            select(AuthorizationCode.access_jti).where(
                AuthorizationCode.session_id == session_id,
                AuthorizationCode.access_jti.is_not(None),
            )
        )
        return [j for j in rows.scalars() if j]

    # -- purge ------------------------------------------------------------------------------------
    async def purge_codes(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(AuthorizationCode).where(AuthorizationCode.expires_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_sessions(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(BrowserSession).where(
                or_(BrowserSession.expires_at < cutoff, BrowserSession.revoked_at < cutoff)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_refresh_tokens(self, cutoff: datetime) -> int:
        """Whole families only — every token expired before `cutoff`, or the family revoked
        before it: a used token of a live family must stay, so presenting it again still
        revokes the family (reuse detection)."""
        dead = (
            select(RefreshToken.family_id)
            .group_by(RefreshToken.family_id)
            .having(func.max(RefreshToken.expires_at) < cutoff)
        )
        result = await self.session.execute(
            delete(RefreshToken).where(
                or_(RefreshToken.family_id.in_(dead), RefreshToken.revoked_at < cutoff)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_revoked(self, cutoff: datetime) -> int:
        """Revoked access tokens that have expired anyway (nobody can present them now)."""
        result = await self.session.execute(
            delete(RevokedToken).where(RevokedToken.expires_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
