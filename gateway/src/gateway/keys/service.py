"""Creating, rotating and publishing the internal signing keys, and the signer the fast path uses.

Every replica reads the keys from the shared database. A rotation adds the new key as current
at once; services fetch the JWKS again when they meet an unknown `kid`, and the JWKS endpoint
reads the database on every call, so any replica publishes a new key as soon as it exists.
Replicas pick the new current key up on their next reload (GATEWAY_KEY_RELOAD_SECONDS apart).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db import utcnow
from gateway.keys.models import InternalSigningKey, KeyStatus
from gateway.keys.repository import KeyRepository
from servicekit.db import unit_of_work
from servicekit.signing import KeyCache, LoadedKey, fernet_for, generate_key

log = logging.getLogger("gateway.keys")
RELOAD_SECONDS = 30.0


class KeyService:
    def __init__(self, repository: KeyRepository, secret_key: str) -> None:
        self.repo = repository
        self._fernet = fernet_for(secret_key)

    async def _add_current(self) -> InternalSigningKey:
        new = generate_key(self._fernet)
        row = InternalSigningKey(
            id=uuid.uuid4(),
            kid=new.kid,
            private_key_encrypted=new.private_key_encrypted,
            public_jwk=new.public_jwk,
            status=KeyStatus.current.value,
            created_at=utcnow(),
        )
        self.repo.add(row)
        await self.repo.flush()
        return row

    async def ensure_current(self) -> bool:
        """Create the first key when there is none (migrate, demo-data, every start)."""
        if any(k.status == KeyStatus.current.value for k in await self.repo.published()):
            return False
        row = await self._add_current()
        log.info("internal signing key %s created", row.kid)
        return True

    async def rotate(self) -> str:
        await self.repo.demote(utcnow())
        row = await self._add_current()
        log.info("internal signing key rotated: %s is current", row.kid)
        return row.kid

    async def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.public_jwk) for k in await self.repo.published()]}


class Signer:
    """The current key, held in memory for the request path and reloaded in the background."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], secret_key: str) -> None:
        self._sessionmaker = sessionmaker
        self._secret_key = secret_key
        self._cache = KeyCache(fernet_for(secret_key))
        self._current: LoadedKey | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def current(self) -> LoadedKey:
        if self._current is None:
            raise RuntimeError("the signer is not started")
        return self._current

    async def reload(self) -> None:
        async for session in unit_of_work(self._sessionmaker):
            service = KeyService(KeyRepository(session), self._secret_key)
            await service.ensure_current()
            current = next(
                k for k in await service.repo.published() if k.status == KeyStatus.current.value
            )
            self._current = self._cache.load(current.kid, current.private_key_encrypted)

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._reload_forever(), name="gateway-key-reload")

    async def _reload_forever(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_SECONDS)
            try:
                await self.reload()
            except Exception:  # the database is away for a moment: keep signing with what we have
                log.warning("reloading the internal signing keys failed", exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def sign(self, claims: dict[str, Any]) -> str:
        return self.current.sign(claims)
