"""A stand-in for the gateway's internal-token signer, for tests: a fresh RSA key per run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from servicekit.auth import INTERNAL_ISSUER


class TestTokenIssuer:
    __test__ = False  # not a test class, despite the name

    def __init__(self, issuer: str = INTERNAL_ISSUER) -> None:
        self.issuer = issuer
        self.kid = uuid.uuid4().hex[:16]
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        public_jwk = jwk.construct(public_pem.decode(), "RS256").to_dict()
        public_jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        self.jwks: dict[str, Any] = {"keys": [public_jwk]}

    def mint(
        self,
        *,
        entry: str,
        functions: Iterable[str] = (),
        subject: str = "user-1",
        org_id: UUID | None = None,
        org_type: str | None = "technology",
        platform_operator: bool = False,
        ttl: int = 300,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": entry,
            "sub": subject,
            "org": str(org_id) if org_id else None,
            "org_type": org_type,
            "fns": sorted(functions),
            "op": platform_operator,
            "rid": uuid.uuid4().hex,
            "iat": now,
            "exp": now + ttl,
        }
        claims.update(overrides)
        return str(
            jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": self.kid})
        )

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kwargs)}"}
