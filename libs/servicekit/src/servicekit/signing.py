"""ES256 signing keys stored encrypted in a service's own database.

Generic key handling for whoever signs JWTs: a new key pair with its public JWK, the private
half encrypted at rest (Fernet, key derived from the service's secret), and key objects parsed
once per `kid` — re-parsing a PEM per signature costs far more than signing.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jwt
from jose.backends.base import Key

ALGORITHM = "ES256"


def fernet_for(secret: str) -> Fernet:
    """The Fernet that encrypts private keys (and other secrets at rest) under `secret`."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode("utf-8")).digest()))


@dataclass(frozen=True)
class NewKey:
    kid: str
    #: Fernet token of the PKCS#8 PEM private key.
    private_key_encrypted: str
    public_jwk: dict[str, str]


def generate_key(fernet: Fernet) -> NewKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kid = secrets.token_urlsafe(12)
    public = jwk.construct(pem.decode("ascii"), ALGORITHM).public_key().to_dict()
    public_jwk = {k: str(v) for k, v in public.items()}
    public_jwk.update(kid=kid, use="sig", alg=ALGORITHM)
    return NewKey(kid, fernet.encrypt(pem).decode("ascii"), public_jwk)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    private: Key
    public: Key

    def sign(self, claims: dict[str, Any], token_type: str = "JWT") -> str:
        return jwt.encode(
            claims,
            self.private,  # type: ignore[arg-type]  # jose accepts a Key object
            algorithm=ALGORITHM,
            headers={"kid": self.kid, "typ": token_type},
        )


class KeyCache:
    """kid → parsed keys. Keys never change under a kid, so entries are never invalidated."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet
        self._keys: dict[str, LoadedKey] = {}

    def get(self, kid: str) -> LoadedKey | None:
        return self._keys.get(kid)

    def load(self, kid: str, private_key_encrypted: str) -> LoadedKey:
        loaded = self._keys.get(kid)
        if loaded is None:
            pem = self._fernet.decrypt(private_key_encrypted.encode("ascii")).decode("ascii")
            private = jwk.construct(pem, ALGORITHM)
            loaded = LoadedKey(kid, private, private.public_key())
            self._keys[kid] = loaded
        return loaded
