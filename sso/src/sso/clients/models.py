"""A registered client: an entry system (ours or a tenant's own deployment) or a partner.

Part 2 (the OIDC provider) adds secrets, grant types and scopes; today a client is what a
per-institution target URL must belong to.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, JsonDocument, UtcDateTime


class ClientType(StrEnum):
    public = "public"  # a browser or mobile app: no secret, PKCE required (part 2)
    confidential = "confidential"  # a server-side system holding a secret


class ClientStatus(StrEnum):
    active = "active"
    disabled = "disabled"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    #: The institution whose system it is (the technology company for the platform's own).
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    redirect_uris: Mapped[list[str]] = mapped_column(JsonDocument)
    allowed_origins: Mapped[list[str]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
