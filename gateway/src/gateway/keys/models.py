"""Internal signing keys (ES256), in the gateway's database so every replica signs alike.

`current` signs; `previous` is still published (tokens signed before a rotation stay valid
until they expire, at most GATEWAY_INTERNAL_TOKEN_SECONDS); `retired` is neither.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from servicekit.db import UtcDateTime


class KeyStatus(StrEnum):
    current = "current"
    previous = "previous"
    retired = "retired"


class InternalSigningKey(Base):
    __tablename__ = "internal_signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: Fernet token of the PKCS#8 PEM private key (key derived from GATEWAY_SECRET_KEY).
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
