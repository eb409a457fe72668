"""A caller's access as sso knows it, cached per subject with a bounded staleness.

Freshness, in order: (1) sso.entitlement.changed → recorded by the consumer → polled every
GATEWAY_ENTITLEMENT_POLL_SECONDS → the institution's cached access is dropped; (2) everything
else sso decides (roles, a disabled user or client, a moved institution) is re-read after at
most GATEWAY_ACCESS_TTL_SECONDS. Concurrent misses for one subject share one lookup.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.access.repository import EntitlementVersionRepository
from gateway.db import utcnow
from servicekit.db import unit_of_work

log = logging.getLogger("gateway.access")
_stamps = itertools.count(1)


@dataclass(frozen=True)
class Access:
    """What the gateway vouches for: one user or partner client, and its institution's grant."""

    subject: str
    kind: str  # user | client
    active: bool
    org_id: uuid.UUID
    org_code: str
    org_name: str
    org_type: str
    platform_operator: bool
    visible_org_ids: tuple[str, ...]
    entitlement_version: int
    functions: dict[str, tuple[str, ...]]
    entries: tuple[dict[str, Any], ...]
    username: str | None = None
    display_name: str | None = None
    scopes: tuple[str, ...] = ()
    #: Distinguishes this reading from the next one (internal tokens are cached per stamp).
    stamp: int = field(default_factory=lambda: next(_stamps))

    @classmethod
    def from_sso(cls, body: dict[str, Any]) -> Access:
        institution = body["institution"]
        return cls(
            subject=body["subject"],
            kind=body["kind"],
            active=bool(body["active"]),
            org_id=uuid.UUID(institution["id"]),
            org_code=institution["code"],
            org_name=institution["name"],
            org_type=institution["type"],
            platform_operator=bool(body["platform_operator"]),
            visible_org_ids=tuple(body.get("visible_org_ids", [])),
            entitlement_version=int(body["entitlement_version"]),
            functions={e: tuple(f) for e, f in body["functions"].items()},
            entries=tuple(body.get("entries", [])),
            username=body.get("username"),
            display_name=body.get("display_name"),
            scopes=tuple(body.get("scopes", [])),
        )

    def may_write(self, entry: str) -> bool:
        """Partner clients write only with `<entry>.write` in their scopes; users by function."""
        return self.kind != "client" or f"{entry}.write" in self.scopes


class PrincipalUnknown(Exception):
    """sso knows no such user or client (deleted since the session or token was issued)."""


Lookup = Callable[[str], Awaitable[dict[str, Any] | None]]


class AccessDirectory:
    def __init__(
        self,
        lookup: Lookup,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        ttl_seconds: float,
        poll_seconds: float,
    ) -> None:
        self._lookup = lookup
        self._sessionmaker = sessionmaker
        self._ttl = ttl_seconds
        self._poll = poll_seconds
        self._cache: dict[str, tuple[Access, float]] = {}
        self._pending: dict[str, asyncio.Future[Access]] = {}
        self._task: asyncio.Task[None] | None = None

    async def get(self, subject: str) -> Access:
        cached = self._cache.get(subject)
        if cached is not None and time.monotonic() - cached[1] < self._ttl:
            return cached[0]
        pending = self._pending.get(subject)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Access] = asyncio.get_running_loop().create_future()
        self._pending[subject] = future
        try:
            body = await self._lookup(subject)
            if body is None:
                raise PrincipalUnknown(subject)
            access = Access.from_sso(body)
            self._cache[subject] = (access, time.monotonic())
            future.set_result(access)
            return access
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._pending[subject]

    def forget(self, subject: str) -> None:
        self._cache.pop(subject, None)

    def forget_institution(self, org_id: uuid.UUID, version: int) -> int:
        stale = [
            s for s, (a, _) in self._cache.items()
            if a.org_id == org_id and a.entitlement_version < version
        ]  # fmt: skip
        for subject in stale:
            del self._cache[subject]
        return len(stale)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._poll_forever(), name="gateway-entitlement-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def poll_once(self, since: Any) -> None:
        async for session in unit_of_work(self._sessionmaker):
            changed = await EntitlementVersionRepository(session).changed_since(since)
        for org_id, version in changed:
            if self.forget_institution(org_id, version):
                log.info("entitlement of %s changed (v%s): cached access dropped", org_id, version)

    async def _poll_forever(self) -> None:
        # The window overlaps the previous one (clock steps, commit lag): dropping twice is free.
        last = utcnow() - timedelta(seconds=5)
        while True:
            await asyncio.sleep(self._poll)
            started = utcnow()
            try:
                await self.poll_once(last - timedelta(seconds=5))
                last = started
            except Exception:
                log.warning("polling entitlement changes failed", exc_info=True)
