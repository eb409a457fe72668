"""Browser sessions and the logins in flight, in the gateway's database.

In the database (PostgreSQL in production) so a session survives a restart and any replica
serves it: see docs/adr/0008-gateway-sessions.md for why not Redis.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from servicekit.db import UtcDateTime


class LoginRequest(Base):
    """One /bff/login → /bff/callback round trip: the OIDC state, nonce and PKCE verifier."""

    __tablename__ = "login_requests"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    return_to: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class BrowserSession(Base):
    __tablename__ = "browser_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: SHA-256 (hex) of the cookie value: a database leak yields no usable cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The user id at sso.
    subject: Mapped[str] = mapped_column(String(64), index=True)
    #: sso's session id (`sid` of the ID token).
    sso_session_id: Mapped[str | None] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    #: Fernet tokens (GATEWAY_SECRET_KEY): revoked and used as logout hint when the session ends.
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    id_token_encrypted: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: logout | expired | idle | user_inactive
    end_reason: Mapped[str | None] = mapped_column(String(32))
