"""The tenant entry system: what a tenant's own system looks like to the platform.

华成's and 云鹰's 保险管理 tiles open their own systems (a tenant-specific deployment); in the
demo both are this one small app, `http://127.0.0.1:8108/huacheng/` and `/yunying/`, each an
OpenID Connect client of sso registered by sso's demo data (`huacheng-insurance`,
`yunying-core`). Opening a tile runs the authorization code flow with PKCE against sso: the
browser already holds sso's session from logging in to the platform, so no password is asked;
the app checks the ID token (signature against sso's JWKS, issuer, audience, nonce), reads
userinfo and greets the user by name with their institution.

    python tenantentry/app.py --port 8108        # `make run` starts it (Procfile)

Settings (environment): TENANTENTRY_ISSUER (sso as browsers see it, default
http://127.0.0.1:8000/auth), TENANTENTRY_BASE_URL (this app as browsers see it, default
http://127.0.0.1:<port>). Sessions live in memory: this is a demo of single sign-on, not a
system of record.
"""

from __future__ import annotations

import argparse
import html
import os
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response


@dataclass(frozen=True)
class Tenant:
    slug: str
    client_id: str
    client_secret: str
    title: str


#: The demo's tenants (their clients and secrets are sso's demo data: sso/src/sso/demo.py).
TENANTS = {
    t.slug: t
    for t in (
        Tenant(
            "huacheng", "huacheng-insurance", "demo-huacheng-insurance-secret", "华成保险管理系统"
        ),
        Tenant("yunying", "yunying-core", "demo-yunying-core-secret", "云鹰核心业务系统"),
    )
}
SCOPE = "openid profile"


def create_app(
    issuer: str, base_url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    app = FastAPI(title="tenant entry system", docs_url=None, redoc_url=None, openapi_url=None)
    issuer, base_url = issuer.rstrip("/"), base_url.rstrip("/")
    pending: dict[str, tuple[str, str, str]] = {}  # state → (tenant, code verifier, nonce)
    sessions: dict[str, dict[str, Any]] = {}  # cookie value → userinfo
    discovery: dict[str, Any] = {}

    async def provider() -> dict[str, Any]:
        if not discovery:
            async with httpx.AsyncClient(transport=transport, timeout=10) as http:
                answer = await http.get(f"{issuer}/.well-known/openid-configuration")
                answer.raise_for_status()
                discovery.update(answer.json())
        return discovery

    def oauth(tenant: Tenant) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            tenant.client_id,
            tenant.client_secret,
            scope=SCOPE,
            redirect_uri=f"{base_url}/{tenant.slug}/oidc/callback",
            code_challenge_method="S256",
            transport=transport,
            timeout=10,
        )

    def cookie(tenant: Tenant) -> str:
        return f"tenant_session_{tenant.slug}"

    def page(title: str, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><body style='font-family:sans-serif;margin:3em'>{body}</body></html>",
            status_code=status,
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    async def index() -> HTMLResponse:
        links = "".join(
            f"<li><a href='/{t.slug}/'>{html.escape(t.title)}</a></li>" for t in TENANTS.values()
        )
        return page("租户系统", f"<h1>租户系统（演示）</h1><ul>{links}</ul>")

    @app.get("/{slug}/")
    async def home(slug: str, request: Request) -> Response:
        tenant = TENANTS.get(slug)
        if tenant is None:
            return page("未找到", "<h1>没有这个租户系统</h1>", 404)
        user = sessions.get(request.cookies.get(cookie(tenant), ""))
        if user is None:
            return RedirectResponse(f"/{slug}/login", status_code=302)
        name = html.escape(str(user.get("name") or user.get("preferred_username") or user["sub"]))
        org = html.escape(str(user.get("org_name") or "—"))
        return page(
            tenant.title,
            f"<h1>{html.escape(tenant.title)}</h1>"
            f"<p id='greeting'>您好，{name}！</p>"
            f"<p id='institution'>所在机构：{org}</p>"
            "<p>您已通过综合管理平台单点登录进入本系统（租户自有系统的演示）。</p>"
            f"<p><a href='/{slug}/logout'>退出本系统</a></p>",
        )

    @app.get("/{slug}/login")
    async def login(slug: str) -> Response:
        tenant = TENANTS.get(slug)
        if tenant is None:
            return page("未找到", "<h1>没有这个租户系统</h1>", 404)
        state, verifier, nonce = generate_token(24), generate_token(48), generate_token(16)
        pending[state] = (slug, verifier, nonce)
        url, _ = oauth(tenant).create_authorization_url(
            (await provider())["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
        )
        return RedirectResponse(url, status_code=302)

    @app.get("/{slug}/oidc/callback")
    async def callback(slug: str, request: Request) -> Response:
        tenant = TENANTS.get(slug)
        state = request.query_params.get("state", "")
        started = pending.pop(state, None)
        if tenant is None or started is None or started[0] != slug:
            return page(
                "登录失败", "<h1>登录请求无效或已过期</h1><p><a href='login'>重新登录</a></p>", 400
            )
        if "error" in request.query_params:
            reason = html.escape(request.query_params.get("error_description", ""))
            return page("登录失败", f"<h1>单点登录未完成</h1><p>{reason}</p>", 400)
        _, verifier, nonce = started
        config = await provider()
        async with oauth(tenant) as client:
            token = await client.fetch_token(
                config["token_endpoint"],
                code=request.query_params.get("code", ""),
                code_verifier=verifier,
            )
            keys = JsonWebKey.import_key_set((await client.get(config["jwks_uri"])).json())
            claims = jwt.decode(
                token["id_token"],
                keys,
                claims_cls=CodeIDToken,
                claims_options={
                    "iss": {"essential": True, "value": config["issuer"]},
                    "aud": {"essential": True, "value": tenant.client_id},
                },
                claims_params={"nonce": nonce},
            )
            claims.validate()
            info = (await client.get(config["userinfo_endpoint"])).json()
        if info.get("sub") != claims["sub"]:
            return page("登录失败", "<h1>用户信息与身份令牌不符</h1>", 400)
        sid = secrets.token_urlsafe(32)
        sessions[sid] = info
        response = RedirectResponse(f"/{slug}/", status_code=302)
        response.set_cookie(cookie(tenant), sid, path=f"/{slug}/", httponly=True, samesite="lax")
        return response

    @app.get("/{slug}/logout")
    async def logout(slug: str, request: Request) -> Response:
        tenant = TENANTS.get(slug)
        if tenant is None:
            return page("未找到", "<h1>没有这个租户系统</h1>", 404)
        sessions.pop(request.cookies.get(cookie(tenant), ""), None)
        response = page(tenant.title, f"<p>已退出。<a href='/{slug}/'>重新进入</a></p>")
        response.delete_cookie(cookie(tenant), path=f"/{slug}/")
        return response

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="the demo's tenant entry system")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8108)
    args = parser.parse_args()
    issuer = os.environ.get("TENANTENTRY_ISSUER", "http://127.0.0.1:8000/auth")
    base_url = os.environ.get("TENANTENTRY_BASE_URL", f"http://127.0.0.1:{args.port}")
    uvicorn.run(create_app(issuer, base_url), host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
