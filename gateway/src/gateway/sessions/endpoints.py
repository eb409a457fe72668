"""`/bff/…`: the browser's login, session, logout and entry launch."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from gateway.access.directory import Access, PrincipalUnknown
from gateway.door.middleware import CSRF_HEADER
from gateway.runtime import GatewayRuntime, LookupFailed
from gateway.sessions.schemas import LogoutAnswer, SessionView
from gateway.sessions.service import LiveSession, LoginFailed, SsoUnavailable, token_hash
from servicekit.app import DbSession
from servicekit.errors import Forbidden, Unauthorized

router = APIRouter(prefix="/bff", tags=["browser session"])
NO_STORE = {"Cache-Control": "no-store"}


def _runtime(request: Request) -> GatewayRuntime:
    return cast(GatewayRuntime, request.app.state.runtime)


Runtime = Annotated[GatewayRuntime, Depends(_runtime)]


async def _live(request: Request, runtime: Runtime) -> LiveSession:
    cookie = request.cookies.get(runtime.cookie_name)
    live = await runtime.sessions.resolve(cookie) if cookie else None
    if live is None:
        raise Unauthorized(
            "You are not signed in; open /bff/login.",
            code="session_expired" if cookie else "session_missing",
        )
    return live


CurrentSession = Annotated[LiveSession, Depends(_live)]


async def _access(runtime: GatewayRuntime, live: LiveSession) -> Access:
    try:
        access = await runtime.directory.get(live.subject)
    except PrincipalUnknown as exc:
        raise Unauthorized("Your account is no longer known.", code="principal_unknown") from exc
    except LookupFailed as exc:
        raise SsoUnavailable("Your access cannot be read right now; try again shortly.") from exc
    if not access.active:
        await runtime.end_sessions_of(live.subject, "user_inactive")
        raise Forbidden(
            "Your account or institution is disabled; ask your administrator.",
            code="principal_disabled",
        )
    return access


@router.get("/login", summary="Start signing in (redirects to sso's login page)")
async def login(
    session: DbSession,
    runtime: Runtime,
    return_to: Annotated[str | None, Query(max_length=500)] = None,
) -> RedirectResponse:
    url = await runtime.browser.start_login(session, return_to)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get("/callback", summary="sso sends the browser back here with the authorization code")
async def callback(
    request: Request,
    session: DbSession,
    runtime: Runtime,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> RedirectResponse:
    if error or not code or not state:
        raise LoginFailed(
            f"Signing in did not complete: {error_description or error or 'no code was sent'}."
        )
    cookie, return_to, _live = await runtime.browser.finish_login(
        session,
        code=code,
        state=state,
        user_agent=request.headers.get("user-agent"),
        ip=request.client.host if request.client else None,
    )
    response = RedirectResponse(return_to, status_code=302, headers=NO_STORE)
    settings = runtime.settings
    response.set_cookie(
        runtime.cookie_name,
        cookie,
        max_age=int(settings.session_hours * 3600),
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(
    "/session", response_model=SessionView, summary="Who is signed in, and what it may open"
)
async def current_session(live: CurrentSession, runtime: Runtime) -> JSONResponse:
    access = await _access(runtime, live)
    view = SessionView(
        user={"id": access.subject, "username": access.username, "display_name": access.display_name},
        institution={
            "id": access.org_id, "code": access.org_code, "name": access.org_name,
            "type": access.org_type,
        },
        platform_operator=access.platform_operator,
        entries=list(access.entries),
        functions={e: list(f) for e, f in access.functions.items()},
        csrf_token=live.csrf_token,
        expires_at=live.expires_at,
    )  # fmt: skip
    return JSONResponse(view.model_dump(mode="json"), headers=NO_STORE)


@router.post("/logout", response_model=LogoutAnswer, summary="End the session here and at sso")
async def logout(
    request: Request, live: CurrentSession, session: DbSession, runtime: Runtime
) -> JSONResponse:
    if not live.csrf_ok(request.headers.get(CSRF_HEADER.decode())):
        raise Forbidden("Send the X-CSRF-Token header to sign out.", code="csrf_failed")
    url = await runtime.browser.logout(session, token_hash_of(request, runtime))
    response = JSONResponse({"logout_url": url}, headers=NO_STORE)
    response.delete_cookie(
        runtime.cookie_name, path="/", secure=runtime.settings.session_cookie_secure, httponly=True
    )
    return response


def token_hash_of(request: Request, runtime: GatewayRuntime) -> str:
    return token_hash(request.cookies.get(runtime.cookie_name, ""))


@router.get("/launch/{entry}", summary="Open an entry: the console's page or the tenant's system")
async def launch(entry: str, live: CurrentSession, runtime: Runtime) -> RedirectResponse:
    access = await _access(runtime, live)
    target = next((e for e in access.entries if e.get("code") == entry), None)
    if target is None:
        raise Forbidden(
            f"Your institution is not entitled to the '{entry}' entry.", code="entry_not_entitled"
        )
    return RedirectResponse(str(target["launch_url"]), status_code=302, headers=NO_STORE)
