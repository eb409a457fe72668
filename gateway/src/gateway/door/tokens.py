"""Internal JWTs for services: minted once per (principal reading, entry), reused until close
to expiry — an ES256 signature costs ~80 µs, a dictionary lookup well under 1 µs."""

from __future__ import annotations

import time
from collections.abc import Sequence

from gateway.access.directory import Access
from gateway.keys.service import Signer
from servicekit.auth import INTERNAL_ISSUER

#: Minted tokens kept at most; expired ones are purged when the cache is full.
MAX_CACHED = 50_000
SERVICE_SUBJECT = "service:gateway"


class InternalTokens:
    def __init__(self, signer: Signer, *, lifetime: int, margin: int) -> None:
        self._signer = signer
        self._lifetime = lifetime
        self._margin = margin
        self._cache: dict[tuple[str, str, int], tuple[str, float]] = {}

    def for_access(self, access: Access, entry: str, request_id: str | None) -> str:
        key = (access.subject, entry, access.stamp)
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None and cached[1] - now > self._margin:
            return cached[0]
        claims: dict[str, object] = {
            "sub": access.subject,
            "org": str(access.org_id),
            "org_type": access.org_type,
            # Only the functions inside the target entry: a token for orders says nothing of finance.
            "fns": list(access.functions.get(entry, ())),
            "op": access.platform_operator,
            "rid": request_id,
        }
        # A label for the trails services keep (who moved an order); the subject stays the id.
        name = access.display_name or access.username
        if name:
            claims["name"] = name
        if not access.platform_operator and access.visible_org_ids:
            claims["orgs"] = list(access.visible_org_ids)
        token, expires = self._mint(entry, claims, now)
        if len(self._cache) >= MAX_CACHED:
            self._cache = {k: v for k, v in self._cache.items() if v[1] > now}
        self._cache[key] = (token, expires)
        return token

    def for_service(self, audience: str, functions: Sequence[str]) -> str:
        """The gateway's own token (e.g. reading principals from sso), cached likewise."""
        key = (SERVICE_SUBJECT, audience, 0)
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None and cached[1] - now > self._margin:
            return cached[0]
        claims: dict[str, object] = {"sub": SERVICE_SUBJECT, "fns": list(functions), "op": True}
        token, expires = self._mint(audience, claims, now)
        self._cache[key] = (token, expires)
        return token

    def _mint(self, audience: str, claims: dict[str, object], now: float) -> tuple[str, float]:
        issued = int(now)
        expires = issued + self._lifetime
        token = self._signer.sign(
            {**claims, "iss": INTERNAL_ISSUER, "aud": audience, "iat": issued, "exp": expires}
        )
        return token, float(expires)

    def forget_subject(self, subject: str) -> None:
        self._cache = {k: v for k, v in self._cache.items() if k[0] != subject}
