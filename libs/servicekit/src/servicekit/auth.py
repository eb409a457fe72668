"""Internal JWT verification: services trust only tokens the gateway signed for them.

The gateway's JWKS is fetched and cached by `kid`; an unknown `kid` triggers one refetch
(rate-limited), so key rotation needs no restart. Algorithms come from an explicit allow-list:
`alg: none` and HMAC confusion are refused before any key is looked at.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import Depends, Request
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTError
from sqlalchemy import ColumnElement, Select

from servicekit.errors import Forbidden, ProblemError, Unauthorized

DEFAULT_ALGORITHMS = ("RS256", "ES256")
INTERNAL_ISSUER = "platform-gateway"
REFETCH_MIN_INTERVAL = 10.0


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the gateway vouched for it."""

    subject: str
    org_id: UUID | None
    org_type: str | None
    functions: frozenset[str]
    entry: str
    request_id: str | None = None
    #: Platform operators (the technology company's staff) see every institution's data.
    platform_operator: bool = False
    #: Institutions this principal may see besides its own (its subtree), when not an operator.
    visible_org_ids: frozenset[UUID] = field(default_factory=frozenset)
    #: The caller's name as sso knew it when the gateway vouched (a user's display name, a
    #: partner client's name): a label for trails people read, never an identity (use subject).
    name: str | None = None

    def can(self, function: str) -> bool:
        return function in self.functions

    def may_see_org(self, org_id: UUID) -> bool:
        return self.platform_operator or org_id == self.org_id or org_id in self.visible_org_ids


class KeysUnavailable(ProblemError):
    status, code = 503, "verification_keys_unavailable"


class JWKSCache:
    """Keys by `kid` from a JWKS URL (http(s):// or file://) or a JWKS given inline."""

    def __init__(
        self,
        source: str | dict[str, Any],
        *,
        fetch: Callable[[str], Awaitable[dict[str, Any]]] | None = None,
    ) -> None:
        self._source = source
        self._fetch = fetch or _fetch_jwks
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        if isinstance(source, dict):
            self._load(source)

    def _load(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: k for k in jwks.get("keys", []) if "kid" in k}

    async def key(self, kid: str) -> dict[str, Any] | None:
        if kid in self._keys or isinstance(self._source, dict):
            return self._keys.get(kid)
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > REFETCH_MIN_INTERVAL:
                self._fetched_at = time.monotonic()
                try:
                    self._load(await self._fetch(self._source))
                except Exception as exc:  # unreachable or garbled JWKS: the caller can retry
                    self._fetched_at = 0.0
                    raise KeysUnavailable(
                        "The keys to verify tokens cannot be fetched right now; try again shortly.",
                    ) from exc
        return self._keys.get(kid)


async def _fetch_jwks(url: str) -> dict[str, Any]:
    if url.startswith("file://"):
        text = await asyncio.to_thread(Path(url.removeprefix("file://")).read_text)
        return dict(json.loads(text))
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(url)
        response.raise_for_status()
        return dict(response.json())


class InternalTokenVerifier:
    def __init__(
        self,
        jwks: JWKSCache,
        *,
        audience: str,
        issuer: str = INTERNAL_ISSUER,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway: int = 5,
    ) -> None:
        self.jwks = jwks
        self.audience = audience
        self.issuer = issuer
        self.algorithms = list(algorithms)
        self.leeway = leeway

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise Unauthorized("The bearer token is malformed.", code="token_malformed") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:
            raise Unauthorized(
                f"Token algorithm {alg!r} is not accepted.", code="token_algorithm_refused"
            )
        if not kid:
            raise Unauthorized("The token names no key (kid).", code="token_invalid")
        key = await self.jwks.key(kid)
        if key is None:
            raise Unauthorized(
                "The token was signed with an unknown key.", code="token_unknown_key"
            )
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={"leeway": self.leeway, "require_exp": True, "require_iat": True},
            )
        except ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.", code="token_expired") from exc
        except JOSEError as exc:  # JWTError, and JWKError when the key does not fit the alg
            raise Unauthorized(f"The token is not valid here: {exc}", code="token_invalid") from exc
        return _principal(claims, self.audience)


def _principal(claims: dict[str, Any], entry: str) -> Principal:
    org = claims.get("org")
    return Principal(
        subject=str(claims["sub"]),
        org_id=UUID(org) if org else None,
        org_type=claims.get("org_type"),
        functions=frozenset(claims.get("fns", [])),
        entry=entry,
        request_id=claims.get("rid"),
        platform_operator=bool(claims.get("op", False)),
        visible_org_ids=frozenset(UUID(o) for o in claims.get("orgs", [])),
        name=claims.get("name") or None,
    )


async def get_principal(request: Request) -> Principal:
    verifier: InternalTokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Unauthorized(
            "This service has no token verifier configured.", code="auth_not_configured"
        )
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Send the internal token as 'Authorization: Bearer <token>'.",
            code="token_missing",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return await verifier.verify(token.strip())


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(function: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold `<entry>.<function>`, e.g. `orders.order.query`."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(function):
            raise Forbidden(
                f"Your institution or role does not grant '{function}'.",
                code="function_not_granted",
            )
        return principal

    _check.__name__ = f"require_{function.replace('.', '_')}"
    return _check


def org_scope_clause(
    org_column: ColumnElement[Any], principal: Principal
) -> ColumnElement[bool] | None:
    """The WHERE clause restricting rows to what the principal may see (None: operator sees all)."""
    if principal.platform_operator:
        return None
    visible = {principal.org_id, *principal.visible_org_ids} - {None}
    if not visible:
        return org_column.is_(None) & org_column.is_not(None)  # sees nothing
    return org_column.in_(visible)


def scoped(query: Select[Any], org_column: ColumnElement[Any], principal: Principal) -> Select[Any]:
    """Apply the org scope to a repository query."""
    clause = org_scope_clause(org_column, principal)
    return query if clause is None else query.where(clause)
