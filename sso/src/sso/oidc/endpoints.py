"""The OpenID Connect provider's routes. sso serves them without a prefix; through the gateway
they are `{issuer}/…` (`/auth/authorize` …), which is what discovery advertises."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from servicekit.errors import ProblemError
from servicekit.observability import request_id_var
from sso.composition import RequestServices, Services, services_for
from sso.keys.service import TokenInvalid
from sso.oidc.pages import language, render
from sso.oidc.service import AuthRequest, ErrorPage, OAuthError, OidcService

router = APIRouter(tags=["oidc"])

SESSION_COOKIE = "sso_session"
CSRF_COOKIE = "sso_csrf"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _with_query(url: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _notice(lang: str, message: str, status: int = 400, error: bool = True) -> HTMLResponse:
    title = "error_title" if error else "logged_out"
    body = render("notice.html", lang, title=title, message=message, error=error)
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


def _error_redirect(
    oidc: OidcService, params: dict[str, str], error: OAuthError
) -> RedirectResponse:
    target = _with_query(
        params["redirect_uri"],
        {
            "error": error.error,
            "error_description": error.description,
            "state": params.get("state"),
            "iss": oidc.issuer,
        },
    )
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


def _oauth_json(error: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="sso"'
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


#: A form of the provider's (a login, a grant) holds a dozen fields; far more is no client of ours.
MAX_FORM_FIELDS = 100


async def _form(request: Request) -> dict[str, str]:
    """The posted form's text fields (the last of a repeated name). The usual
    `application/x-www-form-urlencoded` body is parsed here (no multipart parser for it);
    `multipart/form-data` goes through Starlette's parser."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    body = await request.body()
    try:
        # latin-1 then percent-decoding as UTF-8: what Starlette's form parser does.
        pairs = parse_qsl(
            body.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError as exc:
        raise ProblemError(
            f"The form has more than {MAX_FORM_FIELDS} fields.", code="too_many_fields"
        ) from exc
    return dict(pairs)


def _secure(oidc: OidcService) -> bool:
    return oidc.issuer.startswith("https://")


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
async def discovery(services: RequestServices) -> dict[str, Any]:
    return services.oidc.discovery()


@router.get("/jwks.json", summary="The signing keys (current and previous), public halves")
async def jwks(services: RequestServices) -> JSONResponse:
    return JSONResponse(await services.keys.jwks(), headers={"Cache-Control": "max-age=300"})


@router.get("/authorize", summary="Authorization endpoint (code flow, PKCE S256)")
async def authorize(request: Request) -> Response:
    async with services_for(request) as services:
        return await _authorize(request, services)


async def _authorize(request: Request, services: Services) -> Response:
    oidc = services.oidc
    params = dict(request.query_params)
    lang = language(params.get("lang") or params.get("ui_locales"))
    try:
        auth = await oidc.check_authorization(params)
    except ErrorPage as exc:
        return _notice(lang, exc.key)
    except OAuthError as exc:
        return _error_redirect(oidc, params, exc)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:  # reads, then at most one row written (the code): no transaction round trips
        await oidc.repo.without_transaction()
    signed_in = await oidc.signed_in(cookie)
    if signed_in is None or "login" in auth.prompt:
        if "none" in auth.prompt:
            return _error_redirect(oidc, params, OAuthError("login_required", "not signed in"))
        back = {k: v for k, v in params.items() if k != "prompt"}
        return RedirectResponse(
            f"{oidc.issuer}/login?{urlencode(back)}", status_code=302, headers=NO_STORE
        )
    code = await oidc.issue_code(auth, signed_in)
    return _code_redirect(oidc, auth, code)


def _code_redirect(oidc: OidcService, auth: AuthRequest, code: str) -> RedirectResponse:
    target = _with_query(auth.redirect_uri, {"code": code, "state": auth.state, "iss": oidc.issuer})
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


def _login_page(
    request: Request,
    oidc: OidcService,
    params: dict[str, str],
    auth: AuthRequest,
    lang: str,
    *,
    message: str | None = None,
    problems: list[str] | None = None,
    username: str = "",
    change: bool = False,
    status: int = 200,
) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    other = "zh" if lang == "en" else "en"
    authorize = urlencode(params)
    switch = (
        urlencode({**params, "lang": other}) if "lang" in params else f"{authorize}&lang={other}"
    )
    body = render(
        "login.html",
        lang,
        action=f"{oidc.issuer}/login",
        switch_url=f"{oidc.issuer}/login?{switch.lstrip('&')}",
        authorize=authorize,
        csrf_token=oidc.csrf_token(csrf),
        client_name=auth.client.name,
        message=message,
        problems=problems or [],
        username=username,
        change=change,
    )
    response = HTMLResponse(body, status_code=status, headers=NO_STORE)
    response.set_cookie(
        CSRF_COOKIE, csrf, httponly=True, samesite="lax", secure=_secure(oidc),
        path=oidc.settings.session_cookie_path,
    )  # fmt: skip
    return response


@router.get("/login", response_class=HTMLResponse, summary="The login page (zh-CN; ?lang=en)")
async def login_page(request: Request) -> Response:
    async with services_for(request) as services:
        return await _login_form(request, services)


async def _login_form(request: Request, services: Services) -> Response:
    oidc = services.oidc
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    lang = language(request.query_params.get("lang") or params.get("ui_locales"))
    try:
        auth = await oidc.check_authorization(params)
    except ErrorPage as exc:
        return _notice(lang, exc.key)
    except OAuthError as exc:
        return _error_redirect(oidc, params, exc)
    return _login_page(request, oidc, params, auth, lang)


@router.post("/login", response_class=HTMLResponse, summary="Sign in (the login form)")
async def login(request: Request) -> Response:
    async with services_for(request) as services:
        return await _sign_in(request, services)


async def _sign_in(request: Request, services: Services) -> Response:
    oidc = services.oidc
    form = await _form(request)
    lang = language(form.get("lang"))
    params = dict(parse_qsl(form.get("authorize", "")))
    try:
        auth = await oidc.check_authorization(params)
    except ErrorPage as exc:
        return _notice(lang, exc.key)
    except OAuthError as exc:
        return _error_redirect(oidc, params, exc)
    username = form.get("username", "")[:64]
    if not oidc.csrf_ok(request.cookies.get(CSRF_COOKIE), form.get("csrf_token")):
        return _login_page(
            request, oidc, params, auth, lang, message="csrf", username=username, status=400
        )
    password = form.get("password", "")
    result = await services.users.authenticate(username, password, request_id=request_id_var.get())
    if not result.ok or result.user is None:
        assert result.failure is not None
        return _login_page(
            request, oidc, params, auth, lang,
            message=result.failure.value, username=username, status=401,
        )  # fmt: skip
    user = result.user
    if user.must_change_password:
        new = form.get("new_password")
        if not new:
            return _login_page(
                request, oidc, params, auth, lang,
                message="must_change_password", username=username, change=True,
            )  # fmt: skip
        if new != form.get("new_password_again"):
            return _login_page(
                request, oidc, params, auth, lang,
                message="passwords_differ", username=username, change=True, status=400,
            )  # fmt: skip
        try:
            await services.users.change_password(user.id, password, new)
        except ProblemError as exc:
            problems = [str(e.get("message", "")) for e in exc.errors or []]
            return _login_page(
                request, oidc, params, auth, lang, message="password_policy",
                problems=problems, username=username, change=True, status=400,
            )  # fmt: skip
    cookie, _ = await oidc.start_session(user)
    response = RedirectResponse(
        f"{oidc.issuer}/authorize?{urlencode(params)}", status_code=303, headers=NO_STORE
    )
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(oidc),
        path=oidc.settings.session_cookie_path, max_age=oidc.settings.session_hours * 3600,
    )  # fmt: skip
    return response


@router.post("/token", summary="Token endpoint (authorization_code, refresh_token, "
             "client_credentials); RFC 6749 JSON errors")  # fmt: skip
async def token(request: Request) -> JSONResponse:
    form = await _form(request)
    async with services_for(request) as services:
        try:
            answer = await services.oidc.token(request.headers.get("authorization"), form)
        except OAuthError as exc:  # an answer: what the refusal wrote (revocations) commits
            return _oauth_json(exc)
    return JSONResponse(answer, headers=NO_STORE)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


@router.api_route("/userinfo", methods=["GET", "POST"], summary="UserInfo (Bearer access token)")
async def userinfo(request: Request, services: RequestServices) -> JSONResponse:
    token = _bearer(request)
    if token is None:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "a Bearer token is required"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="sso"'},
        )
    try:
        info = await services.oidc.userinfo(token)
    except TokenInvalid as exc:
        return JSONResponse(
            {"error": "invalid_token", "error_description": str(exc)},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="sso", error="invalid_token"'},
        )
    return JSONResponse(info, headers=NO_STORE)


@router.post("/revoke", summary="Token revocation (RFC 7009)")
async def revoke(request: Request, services: RequestServices) -> Response:
    try:
        await services.oidc.revoke(request.headers.get("authorization"), await _form(request))
    except OAuthError as exc:
        return _oauth_json(exc)
    return Response(status_code=200, headers=NO_STORE)


@router.post("/introspect", summary="Token introspection (RFC 7662), confidential clients")
async def introspect(request: Request, services: RequestServices) -> JSONResponse:
    try:
        answer = await services.oidc.introspect(
            request.headers.get("authorization"), await _form(request)
        )
    except OAuthError as exc:
        return _oauth_json(exc)
    return JSONResponse(answer, headers=NO_STORE)


@router.api_route("/logout", methods=["GET", "POST"], summary="RP-initiated logout")
async def logout(request: Request, services: RequestServices) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(await _form(request))
    lang = language(params.get("lang") or params.get("ui_locales"))
    oidc = services.oidc
    try:
        target = await oidc.logout(
            request.cookies.get(SESSION_COOKIE),
            params.get("id_token_hint"),
            params.get("post_logout_redirect_uri"),
            params.get("client_id"),
        )
    except ErrorPage as exc:
        return _notice(lang, exc.key)
    if target is not None:
        response: Response = RedirectResponse(
            _with_query(target, {"state": params.get("state")}), status_code=302, headers=NO_STORE
        )
    else:
        response = _notice(lang, "logged_out", status=200, error=False)
    response.delete_cookie(SESSION_COOKIE, path=oidc.settings.session_cookie_path)
    return response
