"""Everything the gateway holds while it runs, built in its lifespan: the upstream pool, the
signer, the access directory, the session store, the verifiers and the rate limiters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.access.directory import AccessDirectory
from gateway.config import Settings
from gateway.db import utcnow
from gateway.door.bearer import BearerVerifier
from gateway.door.ratelimit import RateLimiter
from gateway.door.tokens import InternalTokens
from gateway.door.upstream import Upstreams
from gateway.keys.service import Signer
from gateway.sessions.repository import SessionRepository
from gateway.sessions.service import BrowserDoor, SessionStore
from servicekit.auth import JWKSCache
from servicekit.db import unit_of_work

log = logging.getLogger("gateway.runtime")
#: The function sso requires for its principal lookup (sso.access.endpoints.PRINCIPAL_LOOKUP).
PRINCIPAL_LOOKUP = "sso.internal.principal_lookup"
#: Ended and expired sessions are kept this long (for support questions), then purged.
SESSION_RETENTION = timedelta(days=7)
HOUSEKEEPING_SECONDS = 3600.0


class LookupFailed(Exception):
    """sso did not answer the principal lookup (down, slow, or an unexpected status)."""


@dataclass
class GatewayRuntime:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    upstreams: Upstreams
    signer: Signer
    tokens: InternalTokens
    directory: AccessDirectory
    sessions: SessionStore
    bearer: BearerVerifier
    browser: BrowserDoor
    ip_limit: RateLimiter
    principal_limit: RateLimiter
    login_limit: RateLimiter
    upstream_urls: dict[str, str]
    sso_url: str
    cookie_name: str
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def end_sessions_of(self, subject: str, reason: str) -> None:
        async for session in unit_of_work(self.sessionmaker):
            await SessionRepository(session).end_all_of(subject, utcnow(), reason)
        self.sessions.evict_subject(subject)

    async def housekeeping(self) -> int:
        async for session in unit_of_work(self.sessionmaker):
            purged = await SessionRepository(session).purge(utcnow() - SESSION_RETENTION)
        return purged

    async def _housekeeping_forever(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            try:
                if purged := await self.housekeeping():
                    log.info("purged %d old browser sessions", purged)
            except Exception:
                log.warning("session housekeeping failed", exc_info=True)


def _principal_lookup(upstreams: Upstreams, tokens: InternalTokens, sso_url: str) -> Any:
    async def lookup(subject: str) -> dict[str, Any] | None:
        assert upstreams.http is not None
        token = tokens.for_service("sso", [PRINCIPAL_LOOKUP])
        url = f"{sso_url}/v1/internal/principals/{quote(subject, safe='')}"
        try:
            async with upstreams.http.get(
                url, headers={"authorization": f"Bearer {token}"}
            ) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    log.warning("principal lookup answered %s", response.status)
                    raise LookupFailed(subject)
                return dict(await response.json())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise LookupFailed(subject) from exc

    return lookup


@asynccontextmanager
async def gateway_runtime(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    upstreams = Upstreams(
        settings.upstream_timeout_seconds, settings.upstream_connect_timeout_seconds
    )
    await upstreams.start()
    assert upstreams.http is not None
    signer = Signer(sessionmaker, settings.secret_key.get_secret_value())
    try:
        await signer.start()
        tokens = InternalTokens(
            signer,
            lifetime=settings.internal_token_seconds,
            margin=settings.internal_token_margin_seconds,
        )
        sso_url = settings.sso_url.rstrip("/")
        directory = AccessDirectory(
            _principal_lookup(upstreams, tokens, sso_url),
            sessionmaker,
            ttl_seconds=settings.access_ttl_seconds,
            poll_seconds=settings.entitlement_poll_seconds,
        )
        await directory.start()
        sso_keys = JWKSCache(f"{sso_url}/jwks.json")
        store = SessionStore(sessionmaker, settings)
        runtime = GatewayRuntime(
            settings=settings,
            sessionmaker=sessionmaker,
            upstreams=upstreams,
            signer=signer,
            tokens=tokens,
            directory=directory,
            sessions=store,
            bearer=BearerVerifier(sso_keys, issuer=settings.oidc_issuer),
            browser=BrowserDoor(settings, upstreams.http, sso_keys, store),
            ip_limit=RateLimiter(settings.rate_limit_ip_per_second, settings.rate_limit_ip_burst),
            principal_limit=RateLimiter(
                settings.rate_limit_principal_per_second, settings.rate_limit_principal_burst
            ),
            login_limit=RateLimiter(
                settings.rate_limit_login_per_minute / 60.0, settings.rate_limit_login_burst
            ),
            upstream_urls={k: v.rstrip("/") for k, v in settings.entry_upstreams().items()},
            sso_url=sso_url,
            cookie_name=settings.session_cookie_name,
        )
        runtime._tasks.append(
            asyncio.create_task(runtime._housekeeping_forever(), name="gateway-housekeeping")
        )
        app.state.runtime = runtime
        try:
            yield
        finally:
            for task in runtime._tasks:
                task.cancel()
            await asyncio.gather(*runtime._tasks, return_exceptions=True)
            await directory.stop()
    finally:
        await signer.stop()
        await upstreams.stop()
