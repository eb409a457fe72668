"""Signing keys of the OpenID Connect provider (ES256), kept in sso's database.

The private half is stored encrypted (Fernet, key derived from SSO_SECRET_KEY); the public half
as a JWK. `current` signs; `previous` is still published and accepted (tokens signed before the
last rotation stay valid until they expire); `retired` is neither.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, JsonDocument, UtcDateTime


class KeyStatus(StrEnum):
    current = "current"
    previous = "previous"
    retired = "retired"


class SigningKey(Base):
    __tablename__ = "signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    #: Fernet token of the PKCS#8 PEM private key.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
