"""Creating, rotating and publishing the signing keys; signing and verifying JWTs with them.

Key objects are built once per `kid` and kept in a process-wide cache (re-parsing a PEM per
signature costs far more than signing). Only ES256 is issued and accepted: `alg: none`, HMAC
algorithms and anything else are refused before a key is looked at.
"""

from __future__ import annotations

import time
import uuid
from functools import cached_property
from typing import Any

from cryptography.fernet import Fernet
from jose import jwt
from jose.exceptions import JOSEError

from servicekit.signing import ALGORITHM, KeyCache, LoadedKey, fernet_for, generate_key
from sso.actors import Actor
from sso.audit.service import AuditService
from sso.db import utcnow
from sso.keys.models import KeyStatus, SigningKey
from sso.keys.repository import KeyRepository

#: The explicit allow-list for tokens sso verifies (its own).
ALLOWED_ALGORITHMS = (ALGORITHM,)


class TokenInvalid(Exception):
    """A token sso did not sign, with a refused algorithm, expired, or for another audience."""


#: secret → (kid → constructed keys), process-wide: keys never change under a kid, so the cache
#: needs no invalidation (servicekit.signing.KeyCache). One per secret: tests run several.
_CACHES: dict[str, KeyCache] = {}

#: Which key is current, as this process last read it, and when (monotonic seconds). Signing
#: re-reads it at most every CURRENT_KEY_SECONDS, not per token: after a rotation elsewhere a
#: replica signs with the previous key for at most that long — still published and accepted,
#: so nothing it signs is refused. A rotation in this process takes effect at once.
CURRENT_KEY_SECONDS = 5.0
#: database → (when read, kid): one process may serve several databases (the tests do).
_current: dict[str, tuple[float, str]] = {}


class KeyService:
    def __init__(self, repository: KeyRepository, audit: AuditService, secret_key: str) -> None:
        self.repo = repository
        self.audit = audit
        self._secret_key = secret_key
        self._keys = _CACHES.get(secret_key) or _CACHES.setdefault(
            secret_key, KeyCache(self._fernet)
        )

    @cached_property
    def _fernet(self) -> Fernet:
        """Built when a key is created or first loaded, not for every request's service."""
        return fernet_for(self._secret_key)

    def _load(self, row: SigningKey) -> LoadedKey:
        return self._keys.load(row.kid, row.private_key_encrypted)

    async def _new_key(self) -> SigningKey:
        new = generate_key(self._fernet)
        row = SigningKey(
            id=uuid.uuid4(),
            kid=new.kid,
            algorithm=ALGORITHM,
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
        row = await self._new_key()
        self._audit(Actor.system("sso"), "signing_key.created", row)
        return True

    async def rotate(self, actor: Actor) -> str:
        """A new current key; the current one becomes previous (still published and accepted);
        the previous one is retired. Returns the new kid."""
        await self.repo.demote()
        _current.pop(self.repo.database(), None)
        row = await self._new_key()
        self._audit(actor, "signing_key.rotated", row)
        return row.kid

    async def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.public_jwk) for k in await self.repo.published()]}

    async def _signing_key(self) -> LoadedKey:
        database, now = self.repo.database(), time.monotonic()
        seen = _current.get(database)
        if seen is not None and now - seen[0] < CURRENT_KEY_SECONDS:
            loaded = self._keys.get(seen[1])
            if loaded is not None:
                return loaded
        current = next(
            (k for k in await self.repo.published() if k.status == KeyStatus.current.value), None
        )
        if current is None:
            current = await self._new_key()
        loaded = self._load(current)
        _current[database] = (now, current.kid)
        return loaded

    async def sign(self, claims: dict[str, Any], *, token_type: str = "JWT") -> str:
        return (await self._signing_key()).sign(claims, token_type)

    async def verify(
        self,
        token: str,
        *,
        issuer: str,
        audience: str | None = None,
        verify_exp: bool = True,
    ) -> dict[str, Any]:
        """Claims of a token sso signed with a published key; TokenInvalid otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise TokenInvalid("malformed") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise TokenInvalid("algorithm refused")
        kid = header.get("kid")
        row = await self.repo.by_kid(kid) if isinstance(kid, str) else None
        if row is None or row.status == KeyStatus.retired.value:
            raise TokenInvalid("unknown key")
        loaded = self._load(row)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                loaded.public,  # type: ignore[arg-type]
                algorithms=list(ALLOWED_ALGORITHMS),
                issuer=issuer,
                audience=audience,
                options={
                    "verify_aud": audience is not None,
                    "verify_exp": verify_exp,
                    "verify_at_hash": False,  # checked by the client holding both tokens
                    "require_exp": True,
                    "require_iat": True,
                    "leeway": 5,
                },
            )
        except JOSEError as exc:
            raise TokenInvalid(str(exc)) from exc
        return claims

    def _audit(self, actor: Actor, action: str, row: SigningKey) -> None:
        self.audit.record(
            actor, action, target_type="signing_key", target_id=row.id, label=row.kid,
            after={"kid": row.kid, "alg": row.algorithm},
        )  # fmt: skip
