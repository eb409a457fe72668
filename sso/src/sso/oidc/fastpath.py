"""The OpenID Connect provider's busiest routes in plain ASGI: `POST /token`, `GET /authorize`
and `GET`/`POST /login` are answered here, inside servicekit's request-id/logging/metrics
middleware, by the same endpoint functions FastAPI would call — without FastAPI's routing
(sso has well over a hundred routes to match), dependency resolution and exception
middleware, which cost as much CPU per grant as the grant's own SQL. The routes stay declared
in `endpoints.py` for the OpenAPI document; any other method or path goes on to FastAPI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.errors import ProblemError, problem_response
from sso.oidc import endpoints

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class _RouteLabel:
    """What servicekit's metrics and access log label the request with (its route's path)."""

    path: str


_ROUTES: dict[tuple[str, str], tuple[_RouteLabel, Endpoint]] = {
    ("POST", "/token"): (_RouteLabel("/token"), endpoints.token),
    ("GET", "/authorize"): (_RouteLabel("/authorize"), endpoints.authorize),
    ("GET", "/login"): (_RouteLabel("/login"), endpoints.login_page),
    ("POST", "/login"): (_RouteLabel("/login"), endpoints.login),
}


class OidcFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            hit = _ROUTES.get((scope["method"], scope["path"]))
            if hit is not None:
                scope["route"] = hit[0]
                request = Request(scope, receive)
                try:
                    response = await hit[1](request)
                except ProblemError as exc:  # what FastAPI's handler would answer
                    response = problem_response(
                        exc.status, exc.code, exc.detail, instance=scope["path"],
                        errors=exc.errors, headers=exc.headers,
                    )  # fmt: skip
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
