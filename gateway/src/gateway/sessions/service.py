"""The backend-for-frontend: login through sso (code + PKCE, confidential client), the session
cookie, the per-replica session cache of the fast path, logout here and at sso."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode

import aiohttp
from jose import jwt
from jose.exceptions import JOSEError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.config import Settings
from gateway.db import utcnow
from gateway.sessions.models import BrowserSession, LoginRequest
from gateway.sessions.repository import SessionRepository
from servicekit.auth import JWKSCache
from servicekit.db import unit_of_work
from servicekit.errors import ProblemError
from servicekit.signing import fernet_for

log = logging.getLogger("gateway.sessions")
LOGIN_REQUEST_MINUTES = 10
#: last_seen_at is written at most this often per session (idle timeout resolution).
TOUCH_SECONDS = 60.0
MAX_CACHED = 100_000


class LoginFailed(ProblemError):
    status, code = 400, "login_failed"


class SsoUnavailable(ProblemError):
    status, code = 503, "sso_unavailable"


def token_hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def safe_return_to(value: str | None) -> str:
    """Only same-origin paths: an open redirect would make the login page a phishing aid."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value[:500]


@dataclass(frozen=True)
class LiveSession:
    token_hash: str
    subject: str
    csrf_token: str
    expires_at: datetime

    def csrf_ok(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented, self.csrf_token)


class SessionStore:
    """Sessions as the fast path sees them: the database, read again every
    GATEWAY_SESSION_RECHECK_SECONDS per session (the bound for another replica's logout)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._recheck = settings.session_recheck_seconds
        self._idle = timedelta(minutes=settings.session_idle_minutes)
        self._cache: dict[str, tuple[LiveSession, float, float]] = {}

    async def resolve(self, cookie: str) -> LiveSession | None:
        digest = token_hash(cookie)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[1] < self._recheck:
            return cached[0]
        live, touched = await self._read(digest, cached[2] if cached else 0.0)
        if live is None:
            self._cache.pop(digest, None)
            return None
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[digest] = (live, now, touched)
        return live

    async def _read(self, digest: str, touched: float) -> tuple[LiveSession | None, float]:
        now = utcnow()
        async for session in unit_of_work(self._sessionmaker):
            repo = SessionRepository(session)
            row = await repo.by_token_hash(digest)
            if row is None or row.ended_at is not None:
                return None, touched
            if row.expires_at <= now:
                await repo.end(digest, now, "expired")
                return None, touched
            if row.last_seen_at + self._idle <= now:
                await repo.end(digest, now, "idle")
                return None, touched
            if time.monotonic() - touched > TOUCH_SECONDS:
                await repo.touch(digest, now)
                touched = time.monotonic()
            live = LiveSession(digest, row.subject, row.csrf_token, row.expires_at)
        return live, touched

    def evict(self, cookie_hash: str) -> None:
        self._cache.pop(cookie_hash, None)

    def evict_subject(self, subject: str) -> None:
        for digest in [d for d, v in self._cache.items() if v[0].subject == subject]:
            del self._cache[digest]


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode("ascii")


class BrowserDoor:
    """Login, session start and logout: sso's confidential client on the browser's behalf."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        sso_keys: JWKSCache,
        store: SessionStore,
    ) -> None:
        self.settings = settings
        self.http = http
        self.sso_keys = sso_keys
        self.store = store
        self._fernet = fernet_for(settings.secret_key.get_secret_value())

    @property
    def redirect_uri(self) -> str:
        return self.settings.public_url.rstrip("/") + "/bff/callback"

    async def start_login(self, session: AsyncSession, return_to: str | None) -> str:
        """Record the login in flight; the URL of sso's authorization endpoint to go to."""
        verifier, challenge = _pkce_pair()
        state, nonce, now = secrets.token_urlsafe(24), secrets.token_urlsafe(24), utcnow()
        SessionRepository(session).add(
            LoginRequest(
                state=state,
                nonce=nonce,
                code_verifier=verifier,
                return_to=safe_return_to(return_to),
                created_at=now,
                expires_at=now + timedelta(minutes=LOGIN_REQUEST_MINUTES),
            )
        )
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.settings.oidc_issuer}/authorize?{urlencode(query)}"

    async def finish_login(
        self,
        session: AsyncSession,
        *,
        code: str,
        state: str,
        user_agent: str | None,
        ip: str | None,
    ) -> tuple[str, str, LiveSession]:
        """Exchange the code, check the ID token, start the session → (cookie, return_to, live)."""
        repo = SessionRepository(session)
        login = await repo.take_login(state)
        now = utcnow()
        if login is None or login.expires_at <= now:
            raise LoginFailed(
                "This sign-in link has expired or was already used; start again from /bff/login.",
                code="login_state_invalid",
            )
        tokens = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": login.code_verifier,
            }
        )
        claims = await self._id_token_claims(tokens.get("id_token"), login.nonce)
        cookie = secrets.token_urlsafe(32)
        row = BrowserSession(
            id=uuid.uuid4(),
            token_hash=token_hash(cookie),
            subject=str(claims["sub"]),
            sso_session_id=claims.get("sid"),
            csrf_token=secrets.token_urlsafe(24),
            refresh_token_encrypted=self._seal(tokens.get("refresh_token")),
            id_token_encrypted=self._seal(tokens.get("id_token")),
            user_agent=(user_agent or "")[:300] or None,
            ip=ip,
            created_at=now,
            expires_at=now + timedelta(hours=self.settings.session_hours),
            last_seen_at=now,
        )
        repo.add(row)
        await repo.flush()
        live = LiveSession(row.token_hash, row.subject, row.csrf_token, row.expires_at)
        return cookie, login.return_to, live

    async def logout(self, session: AsyncSession, digest: str) -> str:
        """End the session here, revoke its refresh token at sso; the URL that ends sso's own
        browser session (RP-initiated logout) and comes back to the portal."""
        row = await SessionRepository(session).end(digest, utcnow(), "logout")
        self.store.evict(digest)
        query = {
            "client_id": self.settings.oidc_client_id,
            "post_logout_redirect_uri": self.settings.public_url.rstrip("/") + "/",
        }
        if row is not None:
            refresh = self._open(row.refresh_token_encrypted)
            if refresh:
                await self._revoke(refresh)
            id_token = self._open(row.id_token_encrypted)
            if id_token:
                query["id_token_hint"] = id_token
        return f"{self.settings.oidc_issuer}/logout?{urlencode(query)}"

    # -- talking to sso (server to server, over the allow-listed sso URL) ----------------------
    def _auth(self) -> dict[str, str]:
        """client_secret_basic (RFC 6749 §2.3.1: both parts form-urlencoded first)."""
        user = quote_plus(self.settings.oidc_client_id)
        secret = quote_plus(self.settings.oidc_client_secret.get_secret_value())
        basic = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        # The upstream pool adds no Content-Type of its own (it forwards the caller's).
        return {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        }

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        url = self.settings.sso_url.rstrip("/") + "/token"
        try:
            async with self.http.post(url, data=form, headers=self._auth()) as response:
                body = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SsoUnavailable("sso cannot be reached to finish the sign-in; try again.") from exc
        if status != 200:
            log.warning("code exchange refused by sso: %s %s", status, body)
            raise LoginFailed(
                "sso refused the sign-in (the code may have expired); start again from /bff/login.",
                code="login_code_refused",
            )
        return dict(body)

    async def _revoke(self, refresh_token: str) -> None:
        url = self.settings.sso_url.rstrip("/") + "/revoke"
        form = {"token": refresh_token, "token_type_hint": "refresh_token"}
        try:
            async with self.http.post(url, data=form, headers=self._auth()) as response:
                if response.status != 200:
                    log.warning("sso refused to revoke a refresh token: %s", response.status)
        except (aiohttp.ClientError, TimeoutError):
            # The session is ended here regardless; the refresh token expires at sso.
            log.warning("sso unreachable while revoking a refresh token", exc_info=True)

    async def _id_token_claims(self, id_token: Any, nonce: str) -> dict[str, Any]:
        if not isinstance(id_token, str):
            raise LoginFailed("sso sent no ID token.", code="login_id_token_invalid")
        try:
            header = jwt.get_unverified_header(id_token)
            key = await self.sso_keys.key(str(header.get("kid")))
            if header.get("alg") != "ES256" or key is None:
                raise JOSEError("unexpected algorithm or key")
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["ES256"],
                audience=self.settings.oidc_client_id,
                issuer=self.settings.oidc_issuer,
                options={"verify_at_hash": False, "leeway": 5},
            )
        except JOSEError as exc:
            raise LoginFailed(
                f"sso's ID token did not verify: {exc}", code="login_id_token_invalid"
            ) from exc
        if claims.get("nonce") != nonce:
            raise LoginFailed("The ID token's nonce does not match.", code="login_id_token_invalid")
        return claims

    def _seal(self, value: Any) -> str | None:
        return self._fernet.encrypt(value.encode()).decode("ascii") if value else None

    def _open(self, value: str | None) -> str | None:
        return self._fernet.decrypt(value.encode("ascii")).decode() if value else None
