"""The fast path: `/api/<entry>/…` and `/auth/…` are answered here, in plain ASGI, inside
servicekit's request-id/logging/metrics middleware; everything else goes on to FastAPI.

For `/api/<entry>/…`, in order: the entry is allow-listed (else 404), the caller is within its
rate, the caller is authenticated (partner bearer token, or the browser session cookie plus the
CSRF header on state-changing methods), sso says the caller is active and its institution holds
the entry (else 403 `entry_not_entitled`, nothing reaches the service), the request goes on with
an internal JWT for that entry in place of the caller's credentials.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.access.directory import PrincipalUnknown
from gateway.door.bearer import BearerRefused
from gateway.door.problems import send_problem
from gateway.door.ratelimit import RateLimiter
from gateway.door.upstream import HOP_BY_HOP
from gateway.runtime import GatewayRuntime, LookupFailed
from servicekit.observability import (
    CORRELATION_ID_HEADER,
    REQUEST_ID_HEADER,
    correlation_id_var,
    request_id_var,
)

log = logging.getLogger("gateway.door")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = b"x-csrf-token"
_NOT_FORWARDED = HOP_BY_HOP | {
    b"authorization",
    b"cookie",
    b"x-csrf-token",
    REQUEST_ID_HEADER.encode(),
    CORRELATION_ID_HEADER.encode(),
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
_NOT_FORWARDED_TO_SSO = HOP_BY_HOP | {
    REQUEST_ID_HEADER.encode(),
    CORRELATION_ID_HEADER.encode(),
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
#: sso paths every signed-in user may call whatever its admin functions (the portal API).
_SSO_OPEN_TO_USERS = "v1/me/"
#: sso paths no caller may reach through the door (the gateway's own principal lookup).
_SSO_CLOSED = "v1/internal"


@dataclass(frozen=True)
class _RouteLabel:
    """What servicekit's metrics and logs label a request with (no FastAPI route here)."""

    path: str


_API_ROUTE = _RouteLabel("/api/{entry}")
_AUTH_ROUTE = _RouteLabel("/auth")


class Door:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/api/"):
                scope["route"] = _API_ROUTE
                await self._api(scope, receive, send)
                return
            if path.startswith("/auth/") or path == "/auth":
                scope["route"] = _AUTH_ROUTE
                await self._auth(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: GatewayRuntime = scope["app"].state.runtime
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        entry, _, tail = raw_path[5:].decode("latin-1").partition("/")
        base = runtime.upstream_urls.get(entry)
        if base is None:
            known = ", ".join(sorted(runtime.upstream_urls))
            await send_problem(
                scope, receive, send, 404, "unknown_entry",
                f"There is no entry '{entry}'; the entries are: {known}.",
            )  # fmt: skip
            return
        ip = scope["client"][0] if scope.get("client") else "unknown"
        if wait := runtime.ip_limit.check(ip):
            await _too_many(scope, receive, send, wait)
            return
        headers = dict(scope["headers"])
        method: str = scope["method"]

        # -- who is calling -------------------------------------------------------------------
        authorization = headers.get(b"authorization")
        from_browser = False
        if authorization is not None:
            scheme, _, token = authorization.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await send_problem(
                    scope, receive, send, 401, "token_missing",
                    "Send the access token as 'Authorization: Bearer <token>'.",
                    {"WWW-Authenticate": "Bearer"},
                )  # fmt: skip
                return
            try:
                subject = await runtime.bearer.subject(token.strip())
            except BearerRefused as refused:
                await send_problem(
                    scope, receive, send, 401, refused.code, refused.detail,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )  # fmt: skip
                return
        else:
            cookie = _cookie(headers.get(b"cookie"), runtime.cookie_name)
            live = await runtime.sessions.resolve(cookie) if cookie else None
            if live is None:
                code = "session_expired" if cookie else "session_missing"
                await send_problem(
                    scope, receive, send, 401, code,
                    "Sign in first: open /bff/login (browsers), or send a bearer token (partner "
                    "systems).",
                    {"WWW-Authenticate": "Bearer"},
                )  # fmt: skip
                return
            if method not in SAFE_METHODS and not live.csrf_ok(
                (headers.get(CSRF_HEADER) or b"").decode("latin-1") or None
            ):
                await send_problem(
                    scope, receive, send, 403, "csrf_failed",
                    "State-changing requests from the browser must carry the X-CSRF-Token "
                    "header with the csrf_token from /bff/session.",
                )  # fmt: skip
                return
            subject, from_browser = live.subject, True
        if wait := runtime.principal_limit.check(subject):
            await _too_many(scope, receive, send, wait)
            return

        # -- what it may open -----------------------------------------------------------------
        try:
            access = await runtime.directory.get(subject)
        except PrincipalUnknown:
            await send_problem(
                scope, receive, send, 401, "principal_unknown",
                "Your account is no longer known; sign in again.",
            )  # fmt: skip
            return
        except LookupFailed:
            await send_problem(
                scope, receive, send, 503, "sso_unavailable",
                "Your access cannot be checked right now (sso is not answering); try again shortly.",
            )  # fmt: skip
            return
        if not access.active:
            if from_browser:
                await runtime.end_sessions_of(subject, "user_inactive")
            await send_problem(
                scope, receive, send, 403, "principal_disabled",
                "Your account, client or institution is disabled; ask your administrator.",
            )  # fmt: skip
            return
        if entry == "sso" and tail.startswith(_SSO_CLOSED):
            await send_problem(
                scope, receive, send, 404, "not_found", "There is nothing here for callers."
            )
            return
        open_to_users = (
            entry == "sso" and access.kind == "user" and tail.startswith(_SSO_OPEN_TO_USERS)
        )
        if not access.functions.get(entry) and not open_to_users:
            await send_problem(
                scope, receive, send, 403, "entry_not_entitled",
                f"Your institution ({access.org_name}) is not entitled to the '{entry}' entry, "
                "or your role grants nothing in it.",
            )  # fmt: skip
            return
        if method not in SAFE_METHODS and not access.may_write(entry):
            await send_problem(
                scope, receive, send, 403, "scope_insufficient",
                f"This client may only read from '{entry}' (it lacks the '{entry}.write' scope).",
            )  # fmt: skip
            return

        # -- on to the service ----------------------------------------------------------------
        request_id = request_id_var.get()
        token = runtime.tokens.for_access(access, entry, request_id)
        forwarded = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k not in _NOT_FORWARDED
        ]
        forwarded += _context_headers(scope, request_id, headers.get(b"host"))
        forwarded.append(("authorization", f"Bearer {token}"))
        await runtime.upstreams.forward(
            scope, receive, send, url=f"{base}/{tail}", headers=forwarded, name=entry
        )

    async def _auth(self, scope: Scope, receive: Receive, send: Send) -> None:
        """sso's OIDC endpoints and login page, as they are; only the gateway's own session
        cookie is kept from sso, and password logins are rate-limited per IP."""
        runtime: GatewayRuntime = scope["app"].state.runtime
        ip = scope["client"][0] if scope.get("client") else "unknown"
        limiter = runtime.ip_limit
        if scope["method"] == "POST" and scope["path"].rstrip("/") == "/auth/login":
            limiter = runtime.login_limit
        if wait := limiter.check(ip):
            await _too_many(scope, receive, send, wait)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        forwarded: list[tuple[str, str]] = []
        host: bytes | None = None
        for k, v in scope["headers"]:
            if k == b"host":
                host = v
            if k in _NOT_FORWARDED_TO_SSO:
                continue
            value = v.decode("latin-1")
            if k == b"cookie":
                value = _without_cookie(value, runtime.cookie_name)
                if not value:
                    continue
            forwarded.append((k.decode("latin-1"), value))
        forwarded += _context_headers(scope, request_id_var.get(), host)
        await runtime.upstreams.forward(
            scope, receive, send,
            url=runtime.sso_url + raw_path[5:].decode("latin-1"), headers=forwarded, name="sso",
        )  # fmt: skip


def _context_headers(
    scope: Scope, request_id: str | None, host: bytes | None
) -> list[tuple[str, str]]:
    return [
        (REQUEST_ID_HEADER, request_id or ""),
        (CORRELATION_ID_HEADER, correlation_id_var.get() or request_id or ""),
        ("x-forwarded-for", scope["client"][0] if scope.get("client") else ""),
        ("x-forwarded-proto", scope.get("scheme", "http")),
        ("x-forwarded-host", (host or b"").decode("latin-1")),
    ]


async def _too_many(scope: Scope, receive: Receive, send: Send, wait: float) -> None:
    await send_problem(
        scope, receive, send, 429, "rate_limited",
        "Too many requests; wait before trying again (see Retry-After).",
        {"Retry-After": RateLimiter.retry_after(wait)},
    )  # fmt: skip


def _cookie(header: bytes | None, name: str) -> str | None:
    if not header:
        return None
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value or None
    return None


def _without_cookie(header: str, name: str) -> str:
    kept = [p.strip() for p in header.split(";") if p.strip().partition("=")[0] != name]
    return "; ".join(kept)
