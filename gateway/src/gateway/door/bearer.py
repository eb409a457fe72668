"""Partner systems' `Authorization: Bearer` access tokens from sso, verified locally.

sso's JWKS is cached by `kid` and fetched again on an unknown `kid` (servicekit's JWKSCache);
only ES256 is accepted, so `alg: none` and HMAC-with-the-public-key are refused before any key
is looked at. A verified token is remembered until it expires, so its signature is checked once.
Revocation at sso reaches the gateway when the token expires (sso's access tokens live
SSO_ACCESS_TOKEN_SECONDS, 10 minutes by default).
"""

from __future__ import annotations

import time
from typing import Any

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JOSEError

from servicekit.auth import JWKSCache

ALGORITHMS = ("ES256",)
#: sso marks its access tokens with this `typ`, so an ID token is never taken for one.
ACCESS_TOKEN_TYPE = "at+jwt"
MAX_REMEMBERED = 50_000


class BearerRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class BearerVerifier:
    def __init__(self, jwks: JWKSCache, *, issuer: str, leeway: int = 5) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.leeway = leeway
        self._verified: dict[str, tuple[str, float]] = {}

    async def subject(self, token: str) -> str:
        """The token's subject (a client_id, or a user id for a user's token); BearerRefused."""
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            if known[1] + self.leeway > now:
                return known[0]
            del self._verified[token]
        claims = await self._verify(token)
        if len(self._verified) >= MAX_REMEMBERED:
            self._verified = {t: v for t, v in self._verified.items() if v[1] > now}
        self._verified[token] = (str(claims["sub"]), float(claims["exp"]))
        return str(claims["sub"])

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise BearerRefused("token_malformed", "The bearer token is malformed.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise BearerRefused(
                "token_algorithm_refused", f"Token algorithm {header.get('alg')!r} is not accepted."
            )
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise BearerRefused("token_invalid", "The bearer token is not an sso access token.")
        kid = header.get("kid")
        key = await self.jwks.key(kid) if isinstance(kid, str) else None
        if key is None:
            raise BearerRefused("token_unknown_key", "The token was signed with an unknown key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self.issuer,
                # The audience is the client the token was issued to; which entries it may reach
                # is decided by its scopes and institution, not by `aud`.
                options={"verify_aud": False, "leeway": self.leeway, "require_exp": True},
            )
        except ExpiredSignatureError as exc:
            raise BearerRefused("token_expired", "The bearer token has expired.") from exc
        except JOSEError as exc:
            raise BearerRefused("token_invalid", f"The bearer token is not valid: {exc}") from exc
        if not claims.get("sub") or not claims.get("client_id"):
            raise BearerRefused("token_invalid", "The bearer token names no subject or client.")
        return claims
