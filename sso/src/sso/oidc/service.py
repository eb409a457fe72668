"""The OpenID Connect provider's rules: authorization requests, codes with PKCE, the browser
session, tokens (issue, rotate, revoke, introspect), userinfo and logout.

Nothing here commits: the request's unit of work does. The token endpoint answers OAuth
errors as responses (not exceptions), so what a refused request wrote on purpose — a reused
code's or refresh token's revocations, a burnt code — commits with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from servicekit.observability import request_id_var
from sso.actors import Actor
from sso.audit.service import AuditService, audit_row
from sso.clients.cache import ClientRecord
from sso.clients.models import ClientStatus, ClientType, GrantType
from sso.clients.service import secret_matches
from sso.config import Settings
from sso.db import utcnow
from sso.entitlements.repository import EntitlementRepository
from sso.keys.service import KeyService, TokenInvalid
from sso.oidc.models import AuthorizationCode, RevokedToken
from sso.oidc.repository import AnyRow, OidcRepository
from sso.organizations.models import InstitutionStatus, ancestors_on
from sso.organizations.repository import InstitutionRepository
from sso.users.models import User, UserStatus
from sso.users.service import SignInUser, UserService

ACCESS_TOKEN_TYPE = "at+jwt"  # RFC 9068: an ID token is never accepted as an access token
OIDC_SCOPES = ("openid", "profile", "email", "phone")
CLAIMS_SUPPORTED = (
    "sub iss aud exp iat auth_time nonce sid name preferred_username email phone_number "
    "org org_type ent_ver"
).split()


class OAuthError(Exception):
    """An RFC 6749 error (`error`, `error_description`), answered as JSON or by redirect."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class ErrorPage(Exception):
    """An authorization request that must not redirect (unknown client, unregistered
    redirect URI): the browser gets an error page."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key
        self.detail = detail


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def half_hash(token: str) -> str:
    """at_hash: the left half of SHA-256 of the access token, base64url (ES256)."""
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class AuthRequest:
    client: ClientRecord
    redirect_uri: str
    scope: list[str]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    prompt: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class TokenUser:
    """What tokens, sessions and their audit rows say about a user."""

    id: uuid.UUID
    username: str
    display_name: str
    institution_id: uuid.UUID

    @classmethod
    def of(cls, user: User | SignInUser) -> TokenUser:
        return cls(user.id, user.username, user.display_name, user.institution_id)


@dataclass(frozen=True, slots=True)
class Standing:
    """A user who may sign in, with what its tokens carry about its institution."""

    user: TokenUser
    institution_type: str
    version: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_id: uuid.UUID
    auth_time: datetime
    user: TokenUser


class OidcService:
    def __init__(
        self,
        repository: OidcRepository,
        keys: KeyService,
        users: UserService,
        institutions: InstitutionRepository,
        entitlements: EntitlementRepository,
        audit: AuditService,
        settings: Settings,
    ) -> None:
        self.repo = repository
        self.keys = keys
        self.users = users
        self.institutions = institutions
        self.entitlements = entitlements
        self.audit = audit
        self.settings = settings

    @property
    def issuer(self) -> str:
        return self.settings.issuer.rstrip("/")

    # -- discovery --------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks.json",
            "revocation_endpoint": f"{base}/revoke",
            "introspection_endpoint": f"{base}/introspect",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": [g.value for g in GrantType],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(OIDC_SCOPES),
            "claims_supported": CLAIMS_SUPPORTED,
            "ui_locales_supported": ["zh-CN", "en"],
        }

    # -- the authorization request ----------------------------------------------------------------
    async def check_authorization(self, params: dict[str, str]) -> AuthRequest:
        """ErrorPage when the client or redirect URI cannot be trusted; OAuthError (to send to
        the redirect URI) for everything else."""
        client = await self.repo.client(params.get("client_id", ""))
        if client is None or client.status != ClientStatus.active.value:
            raise ErrorPage("unknown_client", "unknown or disabled client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:  # exact, character for character
            raise ErrorPage("bad_redirect_uri", "redirect_uri is not registered for this client")
        if GrantType.authorization_code.value not in client.grant_types:
            raise OAuthError("unauthorized_client", "the client may not use the code flow")
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "only response_type=code")
        scope = params.get("scope", "").split()
        if not scope or not set(scope) <= set(client.scopes):
            raise OAuthError("invalid_scope", "a scope is missing or not allowed for the client")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if challenge is not None:
            if method != "S256":
                raise OAuthError("invalid_request", "code_challenge_method must be S256")
            if not 43 <= len(challenge) <= 128:
                raise OAuthError("invalid_request", "code_challenge has a bad length")
        elif client.type == ClientType.public.value:
            raise OAuthError("invalid_request", "PKCE (S256) is required for public clients")
        return AuthRequest(
            client=client,
            redirect_uri=redirect_uri,
            scope=scope,
            state=params.get("state"),
            nonce=params.get("nonce"),
            code_challenge=challenge,
            prompt=set(params.get("prompt", "").split()),
        )

    async def issue_code(self, request: AuthRequest, signed_in: SignedIn) -> str:
        code = secrets.token_urlsafe(32)
        now = utcnow()
        await self.repo.insert_code(
            {
                "id": uuid.uuid4(),
                "code_hash": sha256_hex(code),
                "client_pk": request.client.id,
                "user_id": signed_in.user.id,
                "session_id": signed_in.session_id,
                "redirect_uri": request.redirect_uri,
                "scope": " ".join(request.scope),
                "nonce": request.nonce,
                "code_challenge": request.code_challenge,
                "auth_time": signed_in.auth_time,
                "expires_at": now + timedelta(seconds=self.settings.authorization_code_seconds),
            }
        )
        return code

    # -- the browser session ----------------------------------------------------------------------
    async def signed_in(self, cookie: str | None) -> SignedIn | None:
        if not cookie:
            return None
        row = await self.repo.live_session(sha256_hex(cookie), utcnow())
        if row is None:
            return None
        standing = await self._standing_of(row)
        return None if standing is None else SignedIn(row.id, row.auth_time, standing.user)

    async def start_session(self, user: SignInUser) -> tuple[str, SignedIn]:
        cookie = secrets.token_urlsafe(32)
        now = utcnow()
        session_id = uuid.uuid4()
        await self.repo.insert_session(
            {
                "id": session_id,
                "token_hash": sha256_hex(cookie),
                "user_id": user.id,
                "auth_time": now,
                "expires_at": now + timedelta(hours=self.settings.session_hours),
            }
        )
        return cookie, SignedIn(session_id, now, TokenUser.of(user))

    def csrf_token(self, cookie: str) -> str:
        key = self.settings.secret_key.get_secret_value().encode("utf-8")
        return hmac.new(key, f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, cookie: str | None, token: str | None) -> bool:
        return bool(cookie and token) and hmac.compare_digest(
            self.csrf_token(cookie or ""), token or ""
        )

    # -- client authentication (RFC 6749 2.3.1) ---------------------------------------------------
    async def authenticate_client(
        self, authorization: str | None, form: dict[str, str], *, confidential_only: bool = False
    ) -> ClientRecord:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
                raw_id, _, raw_secret = decoded.partition(":")
            except (ValueError, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
            client_id, secret = unquote(raw_id), unquote(raw_secret) or None
        if not client_id:
            raise OAuthError("invalid_client", "client authentication is required", 401)
        client = await self.repo.client(client_id)
        if client is None or client.status != ClientStatus.active.value:
            raise OAuthError("invalid_client", "unknown or disabled client", 401)
        if client.type == ClientType.confidential.value:
            if secret is None or not secret_matches(client, secret):
                raise OAuthError("invalid_client", "client authentication failed", 401)
        elif confidential_only:
            raise OAuthError("invalid_client", "only confidential clients may do this", 401)
        elif secret:
            raise OAuthError("invalid_client", "a public client has no secret", 401)
        return client

    # -- the token endpoint -----------------------------------------------------------------------
    async def token(self, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        client = await self.authenticate_client(authorization, form)
        grant = form.get("grant_type", "")
        if grant not in {g.value for g in GrantType}:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
        if grant not in client.grant_types:
            raise OAuthError("unauthorized_client", f"the client may not use {grant}")
        if grant == GrantType.authorization_code.value:
            return await self._exchange_code(client, form)
        if grant == GrantType.refresh_token.value:
            return await self._refresh(client, form)
        return await self._client_credentials(client, form)

    async def _exchange_code(self, client: ClientRecord, form: dict[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        now = utcnow()
        # What the exchange will produce is recorded with the claim (one statement); a refusal
        # below clears it, so a code presented again revokes only what was really issued.
        family, jti = uuid.uuid4(), secrets.token_urlsafe(16)
        row = await self.repo.claim_code(sha256_hex(code), now, family, jti) if code else None
        if row is None:
            used = await self.repo.code_by_hash(sha256_hex(code)) if code else None
            if used is not None and used.client_pk == client.id:
                await self._revoke_code_grant(used, client, now)
            raise OAuthError("invalid_grant", "the code is unknown, expired or already used")
        try:
            self._check_exchange(client, row, form, now)
            standing = await self._standing_of(row)
            if standing is None:
                raise OAuthError("invalid_grant", "the user may no longer sign in")
        except OAuthError:
            await self.repo.code_exchanged(row.id, None, None)  # burnt, nothing issued
            raise
        answer = await self._user_tokens(
            client, standing, row.scope.split(), row.auth_time, row.session_id, family, None,
            jti, nonce=row.nonce,
        )  # fmt: skip
        return answer

    @staticmethod
    def _check_exchange(
        client: ClientRecord, row: AnyRow, form: dict[str, str], now: datetime
    ) -> None:
        if row.client_pk != client.id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if row.expires_at <= now:
            raise OAuthError("invalid_grant", "the code has expired")
        if form.get("redirect_uri") != row.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier")
        if row.code_challenge is not None:
            if not verifier:
                raise OAuthError("invalid_grant", "code_verifier is required (PKCE)")
            if not hmac.compare_digest(s256(verifier), row.code_challenge):
                raise OAuthError("invalid_grant", "code_verifier does not match (PKCE)")
        elif verifier:
            raise OAuthError("invalid_grant", "no code_challenge was sent for this code")

    async def _refresh(self, client: ClientRecord, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        now = utcnow()
        # The usual case in one statement: an unused, unrevoked token of this client is marked
        # used. Anything else is looked at only when that claim fails.
        row = await self.repo.claim_refresh(sha256_hex(token), client.id, now) if token else None
        if row is None:
            seen = await self.repo.refresh_by_hash(sha256_hex(token)) if token else None
            if seen is None or seen.client_pk != client.id:
                raise OAuthError("invalid_grant", "unknown refresh token")
            if seen.revoked_at is not None:
                raise OAuthError("invalid_grant", "the refresh token was revoked")
            await self._revoke_family(seen.family_id, client, seen.user_id, now, "refresh_reused")
            raise OAuthError("invalid_grant", "the refresh token was already used")
        if row.expires_at <= now:
            raise OAuthError("invalid_grant", "the refresh token has expired")
        scope = row.scope.split()
        if form.get("scope"):
            asked = form["scope"].split()
            if not set(asked) <= set(scope):
                raise OAuthError("invalid_scope", "a refresh may only narrow the scope")
            scope = asked
        standing = await self._standing_of(row)
        if standing is None:
            await self._revoke_family(row.family_id, client, row.user_id, now, "user_inactive")
            raise OAuthError("invalid_grant", "the user may no longer sign in")
        return await self._user_tokens(
            client, standing, scope, row.auth_time, row.session_id, row.family_id, row.id,
            secrets.token_urlsafe(16),
        )  # fmt: skip

    async def _client_credentials(
        self, client: ClientRecord, form: dict[str, str]
    ) -> dict[str, Any]:
        if client.type != ClientType.confidential.value:
            raise OAuthError(
                "unauthorized_client", "client_credentials needs a confidential client"
            )
        allowed = [s for s in client.scopes if s not in OIDC_SCOPES]
        asked = form.get("scope", "").split() or allowed
        if not set(asked) <= set(allowed):
            raise OAuthError("invalid_scope", "a scope is not allowed for the client")
        # Reads, then one audit row: nothing to keep atomic, so no transaction round trips.
        await self.repo.without_transaction()
        institution = await self.repo.institution_for_token(client.institution_id)
        assert institution is not None  # foreign key
        if await self._disabled_here_or_above(institution.status, institution.path):
            raise OAuthError("invalid_client", "the client's institution is disabled", 401)
        jti = secrets.token_urlsafe(16)
        token, expires_in = await self._access_token(
            client, client.client_id, institution.id, institution.type, institution.version, asked,
            jti,
        )  # fmt: skip
        await self._audit_issued(
            client, client.client_id, institution.id, "client_credentials", jti
        )
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
        }
        if asked:
            answer["scope"] = " ".join(asked)
        return answer

    async def _standing_of(self, row: AnyRow | None) -> Standing | None:
        """The user with what its tokens carry about its institution, if it may still sign in
        (UserService.can_sign_in's rules, on the plain columns of `OidcRepository.user_for_token`
        read with the session, code or refresh token)."""
        if (
            row is None
            or row.user_status != UserStatus.active.value
            or (row.user_locked_until is not None and row.user_locked_until > utcnow())
            or await self._disabled_here_or_above(row.institution_status, row.institution_path)
        ):
            return None
        user = TokenUser(
            row.user_id, row.user_username, row.user_display_name, row.user_institution_id
        )
        return Standing(user, row.institution_type, int(row.version))

    async def _disabled_here_or_above(self, status: str, path: str) -> bool:
        """The institution or a head office above it is disabled; only a branch asks the
        database about its head offices (their ids are on its path)."""
        if status != InstitutionStatus.active.value:
            return True
        return await self.repo.any_disabled(ancestors_on(path))

    async def _user_tokens(
        self,
        client: ClientRecord,
        standing: Standing,
        scope: list[str],
        auth_time: datetime,
        session_id: uuid.UUID | None,
        family: uuid.UUID,
        parent: uuid.UUID | None,
        jti: str,
        *,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        """The access token (`jti`), ID token and rotated refresh token of a user's grant."""
        user = standing.user
        token, expires_in = await self._access_token(
            client, str(user.id), user.institution_id, standing.institution_type,
            standing.version, scope, jti,
        )  # fmt: skip
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": " ".join(scope),
        }
        now = utcnow()
        grant = "refresh_token" if parent else "authorization_code"
        audit = self._issued_row(client, str(user.id), user.institution_id, grant, jti)
        if GrantType.refresh_token.value in client.grant_types:
            refresh = secrets.token_urlsafe(32)
            await self.repo.insert_refresh(
                {
                    "id": uuid.uuid4(),
                    "token_hash": sha256_hex(refresh),
                    "family_id": family,
                    "parent_id": parent,
                    "client_pk": client.id,
                    "user_id": user.id,
                    "session_id": session_id,
                    "scope": " ".join(scope),
                    "auth_time": auth_time,
                    "access_jti": jti,
                    "created_at": now,
                    "expires_at": now + timedelta(days=self.settings.refresh_token_days),
                },
                audit,
            )
            answer["refresh_token"] = refresh
        else:
            await self.audit.insert_row(audit)
        if "openid" in scope:
            claims: dict[str, Any] = {
                "iss": self.issuer,
                "sub": str(user.id),
                "aud": client.client_id,
                "azp": client.client_id,
                "iat": int(now.timestamp()),
                "exp": int(now.timestamp()) + self.settings.id_token_seconds,
                "auth_time": int(auth_time.timestamp()),
                "at_hash": half_hash(token),
            }
            if nonce:
                claims["nonce"] = nonce
            if session_id is not None:
                claims["sid"] = str(session_id)
            if "profile" in scope:
                claims["name"] = user.display_name
                claims["preferred_username"] = user.username
            answer["id_token"] = await self.keys.sign(claims)
        return answer

    async def _access_token(
        self,
        client: ClientRecord,
        subject: str,
        org: uuid.UUID,
        org_type: str,
        entitlement_version: int,
        scope: list[str],
        jti: str,
    ) -> tuple[str, int]:
        now = int(utcnow().timestamp())
        lifetime = self.settings.access_token_seconds
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": client.client_id,
            "client_id": client.client_id,
            "exp": now + lifetime,
            "iat": now,
            "jti": jti,
            "org": str(org),
            "org_type": org_type,
            "ent_ver": entitlement_version,
            "scope": " ".join(scope),
        }
        return await self.keys.sign(claims, token_type=ACCESS_TOKEN_TYPE), lifetime

    # -- revocation -------------------------------------------------------------------------------
    async def _revoke_jtis(self, jtis: list[str], now: datetime, reason: str) -> None:
        already = await self.repo.revoked_jtis(jtis)
        until = now + timedelta(seconds=self.settings.access_token_seconds + 60)
        for jti in sorted(set(jtis) - already):
            self.repo.add(RevokedToken(jti=jti, expires_at=until, revoked_at=now, reason=reason))
        await self.repo.flush()

    async def _revoke_family(
        self,
        family: uuid.UUID,
        client: ClientRecord,
        user_id: uuid.UUID | None,
        now: datetime,
        reason: str,
        extra_jtis: list[str] | None = None,
    ) -> None:
        tokens = await self.repo.revoke_family(family, now)
        await self._revoke_jtis([t.access_jti for t in tokens] + (extra_jtis or []), now, reason)
        self.audit.record(
            Actor(client.client_id, client.institution_id, False, None, request_id_var.get()),
            "token.revoked",
            target_type="token_family",
            target_id=family,
            label=client.client_id,
            institution_id=client.institution_id,
            after={"user_id": str(user_id) if user_id else None, "tokens": len(tokens)},
            detail=reason,
        )

    async def _revoke_code_grant(
        self, code: AuthorizationCode, client: ClientRecord, now: datetime
    ) -> None:
        """A code presented again: whatever its first exchange produced is revoked."""
        if code.family_id is not None:
            extra = [code.access_jti] if code.access_jti else []
            await self._revoke_family(
                code.family_id, client, code.user_id, now, "code_reused", extra
            )
        elif code.access_jti:
            await self._revoke_jtis([code.access_jti], now, "code_reused")

    async def revoke(self, authorization: str | None, form: dict[str, str]) -> None:
        """RFC 7009: always 200 for a token that is unknown or not the client's."""
        client = await self.authenticate_client(authorization, form)
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        now = utcnow()
        row = await self.repo.refresh_by_hash(sha256_hex(token))
        if row is not None:
            if row.client_pk == client.id:
                await self._revoke_family(row.family_id, client, row.user_id, now, "revoked")
            return
        try:
            claims = await self.keys.verify(token, issuer=self.issuer, audience=client.client_id)
        except TokenInvalid:
            return
        if isinstance(claims.get("jti"), str):
            await self._revoke_jtis([claims["jti"]], now, "revoked")
            self.audit.record(
                Actor(client.client_id, client.institution_id, False, None, request_id_var.get()),
                "token.revoked",
                target_type="access_token",
                target_id=claims["jti"],
                label=client.client_id,
                institution_id=client.institution_id,
                detail="revoked",
            )

    # -- using access tokens ----------------------------------------------------------------------
    async def access_claims(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """A live access token of ours → its claims; TokenInvalid otherwise."""
        claims = await self.keys.verify(token, issuer=self.issuer, audience=audience)
        if not isinstance(claims.get("jti"), str) or "client_id" not in claims:
            raise TokenInvalid("not an access token")
        aud = claims.get("aud")
        client = await self.repo.client(aud) if isinstance(aud, str) else None
        if client is None or client.status != ClientStatus.active.value:
            raise TokenInvalid("the audience is not an active client")
        if await self.repo.is_revoked(claims["jti"]):
            raise TokenInvalid("revoked")
        return claims

    async def access_header_ok(self, token: str) -> bool:
        from jose import jwt
        from jose.exceptions import JOSEError

        try:
            return jwt.get_unverified_header(token).get("typ") == ACCESS_TOKEN_TYPE
        except JOSEError:
            return False

    async def userinfo(self, token: str) -> dict[str, Any]:
        if not await self.access_header_ok(token):
            raise TokenInvalid("not an access token")
        claims = await self.access_claims(token)
        try:
            user = await self.users.repo.get(uuid.UUID(claims["sub"]))
        except ValueError:
            user = None  # a client-credentials token has no user
        if user is None or not await self.users.can_sign_in(user):
            raise TokenInvalid("no active user")
        scope = str(claims.get("scope", "")).split()
        if "openid" not in scope:
            raise TokenInvalid("the token lacks the openid scope")
        info: dict[str, Any] = {
            "sub": str(user.id),
            "org": claims["org"],
            "org_type": claims["org_type"],
        }
        if "profile" in scope:
            info.update(name=user.display_name, preferred_username=user.username)
            # The institution's name, so a tenant's own system can say where the user works.
            institution = await self.institutions.get(user.institution_id)
            if institution is not None:
                info["org_name"] = institution.name
        if "email" in scope and user.email:
            info["email"] = user.email
        if "phone" in scope and user.phone:
            info["phone_number"] = user.phone
        return info

    async def introspect(self, authorization: str | None, form: dict[str, str]) -> dict[str, Any]:
        """RFC 7662 for confidential clients: a token is active for the client it was issued
        to (its audience) only."""
        client = await self.authenticate_client(authorization, form, confidential_only=True)
        token = form.get("token", "")
        inactive: dict[str, Any] = {"active": False}
        if not token:
            return inactive
        now = utcnow()
        row = await self.repo.refresh_by_hash(sha256_hex(token))
        if row is not None:
            if (
                row.client_pk != client.id
                or row.used_at is not None
                or row.revoked_at is not None
                or row.expires_at <= now
            ):
                return inactive
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": client.client_id,
                "sub": str(row.user_id),
                "scope": row.scope,
                "exp": int(row.expires_at.timestamp()),
                "iss": self.issuer,
            }
        if not await self.access_header_ok(token):
            return inactive
        try:
            claims = await self.access_claims(token, audience=client.client_id)
        except TokenInvalid:
            return inactive
        if claims["sub"] != claims["client_id"]:  # a user's token: the user must still be able
            try:
                user = await self.users.repo.get(uuid.UUID(claims["sub"]))
            except ValueError:
                user = None
            if user is None or not await self.users.can_sign_in(user):
                return inactive
            claims["username"] = user.username
        return {"active": True, "token_type": "Bearer", **claims}

    # -- logout -----------------------------------------------------------------------------------
    async def logout(
        self,
        cookie: str | None,
        id_token_hint: str | None,
        post_logout_redirect_uri: str | None,
        client_id: str | None = None,
    ) -> str | None:
        """Ends the browser session and revokes what it produced (its refresh-token families,
        their access tokens, the access tokens of its codes; unused codes are burnt). Returns
        where to send the browser: `post_logout_redirect_uri` only when it is registered for
        the client named by `id_token_hint` (its audience) or `client_id` — both must agree."""
        client: ClientRecord | None = None
        if id_token_hint:
            try:
                claims = await self.keys.verify(id_token_hint, issuer=self.issuer, verify_exp=False)
            except TokenInvalid as exc:
                raise ErrorPage(
                    "bad_id_token_hint", "id_token_hint is not a token of ours"
                ) from exc
            aud = claims.get("aud")
            client = await self.repo.client(aud) if isinstance(aud, str) else None
            if client_id and (client is None or client.client_id != client_id):
                raise ErrorPage("bad_id_token_hint", "client_id differs from the id_token_hint")
        elif client_id:
            client = await self.repo.client(client_id)
        if post_logout_redirect_uri is not None:
            if (
                client is None
                or client.status != ClientStatus.active.value
                or post_logout_redirect_uri not in client.post_logout_redirect_uris
            ):
                raise ErrorPage("bad_post_logout_uri", "post_logout_redirect_uri is not registered")
        signed_in = await self.signed_in(cookie)
        if signed_in is not None:
            await self.end_session(signed_in, client)
        return post_logout_redirect_uri

    async def end_session(self, signed_in: SignedIn, client: ClientRecord | None) -> None:
        now = utcnow()
        session_id, user = signed_in.session_id, signed_in.user
        await self.repo.end_session(session_id, now)
        actor = Actor(str(user.id), user.institution_id, False, None, request_id_var.get())
        jtis = await self.repo.session_code_jtis(session_id, now)
        families = await self.repo.session_families(session_id)
        for family in families:
            tokens = await self.repo.revoke_family(family, now)
            jtis += [t.access_jti for t in tokens]
        await self._revoke_jtis(jtis, now, "logout")
        if families:
            self.audit.record(
                actor,
                "token.revoked",
                target_type="session",
                target_id=session_id,
                label=user.username,
                institution_id=user.institution_id,
                after={"families": [str(f) for f in families], "access_tokens": len(set(jtis))},
                detail="logout",
            )
        self.audit.record(
            actor,
            "session.ended",
            target_type="user",
            target_id=user.id,
            label=user.username,
            institution_id=user.institution_id,
            detail=client.client_id if client else None,
        )

    # -- housekeeping -----------------------------------------------------------------------------
    async def purge(self, keep: timedelta, *, now: datetime | None = None) -> dict[str, int]:
        """Deletes what can no longer be used: codes and browser sessions expired (or ended)
        more than `keep` ago, refresh-token families wholly expired or revoked more than
        `keep` ago (a live family keeps its used tokens for reuse detection), and revoked
        access-token rows whose tokens have expired. `now`: the wall clock unless given."""
        now = now or utcnow()
        cutoff = now - keep
        return {
            "authorization codes": await self.repo.purge_codes(cutoff),
            "browser sessions": await self.repo.purge_sessions(cutoff),
            "refresh tokens": await self.repo.purge_refresh_tokens(cutoff),
            "revoked access tokens": await self.repo.purge_revoked(now),
        }

    async def _audit_issued(
        self, client: ClientRecord, subject: str, org: uuid.UUID, grant: str, jti: str
    ) -> None:
        await self.audit.insert_row(self._issued_row(client, subject, org, grant, jti))

    def _issued_row(
        self, client: ClientRecord, subject: str, org: uuid.UUID, grant: str, jti: str
    ) -> dict[str, Any]:
        """The `token.issued` audit row of a grant: who (subject, institution), what (client,
        grant type, the access token's jti), when."""
        return audit_row(
            Actor(subject, org, False, None, request_id_var.get()),
            "token.issued",
            target_type="client",
            target_id=client.id,
            label=client.client_id,
            institution_id=org,
            after={"grant_type": grant, "jti": jti},
        )
