"""A registered client: an entry system (ours or a tenant's own deployment) or a partner.

A client is what a per-institution target URL must belong to, and what signs on with the
OpenID Connect provider (sso/oidc): its secret (hashed), grant types, exact redirect URIs,
post-logout redirect URIs and scopes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, JsonDocument, UtcDateTime


class ClientType(StrEnum):
    public = "public"  # a browser or mobile app: no secret, PKCE required (part 2)
    confidential = "confidential"  # a server-side system holding a secret


class GrantType(StrEnum):
    authorization_code = "authorization_code"
    refresh_token = "refresh_token"
    client_credentials = "client_credentials"


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
    #: SHA-256 (hex) of the generated secret (256 random bits, so a fast hash suffices and keeps
    #: client-credential grants cheap); None for public clients.
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grant_types: Mapped[list[str]] = mapped_column(JsonDocument, server_default=text("'[]'"))
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(
        JsonDocument, server_default=text("'[]'")
    )
    scopes: Mapped[list[str]] = mapped_column(JsonDocument, server_default=text("'[]'"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
