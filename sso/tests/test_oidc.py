"""The OpenID Connect provider, driven by an independent client library (Authlib's httpx
client) and a cookie-keeping httpx "browser": code + PKCE login through the login form,
SSO across clients, refresh rotation, client credentials, userinfo, introspection,
revocation, logout — and the refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from sqlalchemy import select

from servicekit.settings import ServiceSettings

ISSUER = "http://testserver"
PASSWORD = "Correct-Horse-9"
#: Fixed instants instead of the wall clock: LONG_AGO is before any run; the purge runs at
#: PURGE_AT, after LONG_AGO and before anything the run itself writes expires.
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)
PURGE_AT = datetime(2026, 10, 20, 4, tzinfo=UTC)


@pytest.fixture
def service_settings(service_settings: ServiceSettings) -> ServiceSettings:
    return service_settings.model_copy(update={"issuer": ISSUER})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class World:
    def __init__(self, admin: Any, client: httpx.AsyncClient, app: FastAPI) -> None:
        self.admin = admin
        self.browser = client
        self.app = app

    async def setup(self) -> None:
        self.org = await self.admin.institution("agency")
        self.user = await self.admin.user(self.org, must_change_password=False)
        tag = uuid.uuid4().hex[:6]
        self.bff = await self.client(
            f"bff-{tag}", "confidential", redirect="https://bff.example/callback",
            post_logout_redirect_uris=["https://bff.example/bye"],
        )  # fmt: skip
        self.spa = await self.client(f"spa-{tag}", "public", redirect="https://spa.example/cb")
        self.partner = await self.client(
            f"partner-{tag}", "confidential", redirect=None,
            grant_types=["client_credentials"], scopes=["orders.read"],
        )  # fmt: skip

    async def client(
        self, client_id: str, type_: str, *, redirect: str | None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "client_id": client_id,
            "name": f"客户端 {client_id}",
            "type": type_,
            "institution_id": self.org["id"],
            "redirect_uris": [redirect] if redirect else [],
            **fields,
        }
        return dict(await self.admin.call("POST", "/v1/admin/clients", json=body, expect=201))

    def oauth(self, client: dict[str, Any], **kwargs: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=client["client_id"],
            client_secret=client.get("client_secret"),
            redirect_uri=(client["redirect_uris"] or [None])[0],
            transport=httpx.ASGITransport(app=self.app),
            **kwargs,
        )

    async def login_form(self, location: str) -> tuple[str, dict[str, str]]:
        page = await self.browser.get(location)
        assert page.status_code == 200, page.text
        fields = dict(re.findall(r'name="(csrf_token|authorize|lang)" value="([^"]*)"', page.text))
        import html

        return page.text, {k: html.unescape(v) for k, v in fields.items()}

    async def sign_in(self, authorize_url: str, username: str, password: str = PASSWORD) -> str:
        """Browser: /authorize → login page → post the form → back to /authorize → the
        client's redirect URI (returned)."""
        first = await self.browser.get(authorize_url)
        assert first.status_code == 302, first.text
        assert urlsplit(first.headers["location"]).path == "/login"
        _, fields = await self.login_form(first.headers["location"])
        posted = await self.browser.post(
            "/login", data={**fields, "username": username, "password": password}
        )
        assert posted.status_code == 303, posted.text
        back = await self.browser.get(posted.headers["location"])
        assert back.status_code == 302, back.text
        return str(back.headers["location"])

    async def jwks(self) -> Any:
        return JsonWebKey.import_key_set((await self.browser.get("/jwks.json")).json())

    async def code_login(
        self, client: dict[str, Any], scope: str = "openid profile email"
    ) -> tuple[AsyncOAuth2Client, dict[str, Any], str]:
        oauth = self.oauth(client, scope=scope, code_challenge_method="S256")
        verifier, nonce = generate_token(48), generate_token(16)
        url, _ = oauth.create_authorization_url(
            f"{ISSUER}/authorize", code_verifier=verifier, nonce=nonce
        )
        callback = await self.sign_in(url, self.user["username"])
        token = await oauth.fetch_token(
            f"{ISSUER}/token", authorization_response=callback, code_verifier=verifier
        )
        return oauth, dict(token), nonce


@pytest.fixture
async def world(admin: Any, client: httpx.AsyncClient, app: FastAPI) -> World:
    w = World(admin, client, app)
    await w.setup()
    return w


async def test_discovery_jwks_and_rotation(world: World, db: Any) -> None:
    config = (await world.browser.get("/.well-known/openid-configuration")).json()
    assert config["issuer"] == ISSUER
    assert config["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert config["jwks_uri"] == f"{ISSUER}/jwks.json"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["id_token_signing_alg_values_supported"] == ["ES256"]
    before = (await world.browser.get("/jwks.json")).json()["keys"]
    assert before and all(k["kty"] == "EC" and "d" not in k for k in before)
    _, token, _ = await world.code_login(world.bff)
    async with db.services() as services:
        new_kid = await services.keys.rotate(_system())
    keys = (await world.browser.get("/jwks.json")).json()["keys"]
    assert keys[0]["kid"] == new_kid and len(keys) == 2
    # a token signed before the rotation still verifies (previous key published)
    info = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert info.status_code == 200, info.text
    async with db.services() as services:
        await services.keys.rotate(_system())
    keys = (await world.browser.get("/jwks.json")).json()["keys"]
    assert len(keys) == 2 and before[0]["kid"] not in {k["kid"] for k in keys}
    retired = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert retired.status_code == 401


def _system() -> Any:
    from sso.actors import Actor

    return Actor.system("test")


async def test_code_pkce_sso_refresh_userinfo_logout(world: World, db: Any) -> None:
    oauth, token, nonce = await world.code_login(world.bff)
    assert {"access_token", "refresh_token", "id_token"} <= set(token)
    claims = jwt.decode(
        token["id_token"],
        await world.jwks(),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": ISSUER}},
        claims_params={
            "nonce": nonce,
            "client_id": world.bff["client_id"],
            "access_token": token["access_token"],
        },
    )
    claims.validate()
    assert claims["sub"] == world.user["id"]
    access = jwt.decode(token["access_token"], await world.jwks())
    assert access["org"] == world.org["id"] and access["org_type"] == "agency"
    assert access["aud"] == world.bff["client_id"]
    assert {"ent_ver", "jti", "scope", "iat", "exp"} <= set(access)
    assert not {"fns", "functions", "permissions"} & set(access)

    info = await oauth.get(f"{ISSUER}/userinfo")
    assert info.status_code == 200, info.text
    assert info.json()["preferred_username"] == world.user["username"]
    assert info.json()["org_name"] == world.org["name"]  # what a tenant's system shows

    # SSO: the public client's /authorize completes from the session cookie, no password
    spa = world.oauth(world.spa, scope="openid", code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = spa.create_authorization_url(f"{ISSUER}/authorize", code_verifier=verifier)
    straight = await world.browser.get(url)
    assert straight.status_code == 302
    assert straight.headers["location"].startswith("https://spa.example/cb?code=")
    spa_token = await spa.fetch_token(
        f"{ISSUER}/token", authorization_response=straight.headers["location"],
        code_verifier=verifier,
    )  # fmt: skip
    assert spa_token["access_token"]

    # refresh rotation; the old refresh token presented again revokes the whole family
    first_refresh = token["refresh_token"]
    rotated = await oauth.refresh_token(f"{ISSUER}/token", refresh_token=first_refresh)
    assert rotated["refresh_token"] != first_refresh
    ok = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {rotated['access_token']}"}
    )
    assert ok.status_code == 200
    reuse = await world.browser.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first_refresh},
        auth=(world.bff["client_id"], world.bff["client_secret"]),
    )
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    for access_token in (token["access_token"], rotated["access_token"]):
        gone = await world.browser.get(
            "/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
        assert gone.status_code == 401
    again = await world.browser.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
        auth=(world.bff["client_id"], world.bff["client_secret"]),
    )
    assert again.json()["error"] == "invalid_grant"
    from sso.audit.models import AuditEvent

    assert await db.count(AuditEvent, AuditEvent.action == "token.issued") >= 3
    assert await db.count(AuditEvent, AuditEvent.action == "token.revoked") >= 1
    assert await db.count(AuditEvent, AuditEvent.action == "authentication.succeeded") >= 1

    # RP-initiated logout: registered target only; the session ends
    bad = await world.browser.get(
        "/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://x.example/",
        },
    )
    assert bad.status_code == 400
    out = await world.browser.get(
        "/logout",
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://bff.example/bye",
            "state": "s1",
        },
    )
    assert out.status_code == 302, out.text
    assert out.headers["location"] == "https://bff.example/bye?state=s1"
    world.browser.cookies.delete("sso_session")  # as the browser does on the deletion header
    url, _ = spa.create_authorization_url(f"{ISSUER}/authorize", code_verifier=verifier)
    assert urlsplit((await world.browser.get(url)).headers["location"]).path == "/login"


async def test_code_flow_refusals(world: World, db: Any) -> None:
    from sso.oidc.models import AuthorizationCode

    redirect = world.bff["redirect_uris"][0]
    base = {
        "client_id": world.bff["client_id"],
        "response_type": "code",
        "scope": "openid",
        "state": "st",
    }
    verifier = generate_token(48)
    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    # a redirect URI one character off: an error page, never a redirect
    for wrong in (redirect + "x", redirect[:-1], redirect.replace("callback", "callbacK")):
        page = await world.browser.get(
            "/authorize", params={**base, "redirect_uri": wrong, "code_challenge": challenge,
                                  "code_challenge_method": "S256"},
        )  # fmt: skip
        assert page.status_code == 400 and "location" not in page.headers
        assert "redirect_uri" in page.text
    # plain PKCE refused; a public client without PKCE refused
    plain = await world.browser.get(
        "/authorize", params={**base, "redirect_uri": redirect, "code_challenge": verifier,
                              "code_challenge_method": "plain"},
    )  # fmt: skip
    assert plain.status_code == 302 and "error=invalid_request" in plain.headers["location"]
    no_pkce = await world.browser.get(
        "/authorize",
        params={**base, "client_id": world.spa["client_id"],
                "redirect_uri": world.spa["redirect_uris"][0]},
    )  # fmt: skip
    assert "error=invalid_request" in no_pkce.headers["location"]

    async def code() -> str:
        url = httpx.URL(
            f"{ISSUER}/authorize",
            params={**base, "redirect_uri": redirect, "code_challenge": challenge,
                    "code_challenge_method": "S256"},
        )  # fmt: skip
        if "sso_session" in world.browser.cookies:
            callback = (await world.browser.get(str(url))).headers["location"]
        else:
            callback = await world.sign_in(str(url), world.user["username"])
        return parse_qs(urlsplit(callback).query)["code"][0]

    auth = (world.bff["client_id"], world.bff["client_secret"])

    async def exchange(the_code: str, **extra: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": the_code, "redirect_uri": redirect}
        return await world.browser.post("/token", data={**data, **extra}, auth=auth)

    missing = await exchange(await code())
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    refused_code = await code()
    wrong = await exchange(refused_code, code_verifier=generate_token(48))
    assert wrong.json()["error"] == "invalid_grant"
    # a refused exchange burns the code and records nothing as issued: the right verifier
    # comes too late, and presenting the code again has nothing to revoke
    again = await exchange(refused_code, code_verifier=verifier)
    assert again.json()["error"] == "invalid_grant"
    refused_hash = hashlib.sha256(refused_code.encode()).hexdigest()
    burnt = await db.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == refused_hash)
    )
    assert burnt.used_at is not None
    assert (burnt.family_id, burnt.access_jti) == (None, None)
    off = await exchange(await code(), code_verifier=verifier, redirect_uri=redirect + "x")
    assert off.json()["error"] == "invalid_grant"
    # a reused code is refused, and the tokens its first exchange produced are revoked
    good_code = await code()
    good = await exchange(good_code, code_verifier=verifier)
    assert good.status_code == 200, good.text
    tokens = good.json()
    reused = await exchange(good_code, code_verifier=verifier)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    userinfo = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    introspected = await world.browser.post(
        "/introspect", data={"token": tokens["access_token"]}, auth=auth
    )
    assert introspected.json() == {"active": False}
    refresh = await world.browser.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=auth,
    )  # fmt: skip
    assert refresh.json()["error"] == "invalid_grant"
    # client authentication
    bad_secret = await world.browser.post(
        "/token", data={"grant_type": "authorization_code", "code": "x"},
        auth=(world.bff["client_id"], "not-the-secret"),
    )  # fmt: skip
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"


async def test_client_credentials_introspection_revocation(world: World) -> None:
    partner = world.oauth(world.partner)
    token = await partner.fetch_token(f"{ISSUER}/token", grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], await world.jwks())
    assert claims["org"] == world.org["id"] and claims["sub"] == world.partner["client_id"]
    assert claims["scope"] == "orders.read" and "refresh_token" not in token
    # client_secret_post works too
    posted = await world.browser.post(
        "/token",
        data={"grant_type": "client_credentials", "client_id": world.partner["client_id"],
              "client_secret": world.partner["client_secret"]},
    )  # fmt: skip
    assert posted.status_code == 200, posted.text
    # the bff may not use client credentials; a public client may not introspect
    refused = await world.browser.post(
        "/token", data={"grant_type": "client_credentials"},
        auth=(world.bff["client_id"], world.bff["client_secret"]),
    )  # fmt: skip
    assert refused.json()["error"] == "unauthorized_client"
    partner_auth = (world.partner["client_id"], world.partner["client_secret"])
    mine = await world.browser.post(
        "/introspect", data={"token": token["access_token"]}, auth=partner_auth
    )
    body = mine.json()
    assert body["active"] is True and body["org"] == world.org["id"]
    # not the bff's token: another audience is inactive for it
    other = await world.browser.post(
        "/introspect", data={"token": token["access_token"]},
        auth=(world.bff["client_id"], world.bff["client_secret"]),
    )  # fmt: skip
    assert other.json() == {"active": False}
    public = await world.browser.post(
        "/introspect", data={"token": token["access_token"], "client_id": world.spa["client_id"]}
    )
    assert public.status_code == 401
    # userinfo is for users' tokens
    no_user = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert no_user.status_code == 401
    revoked = await world.browser.post(
        "/revoke", data={"token": token["access_token"]}, auth=partner_auth
    )
    assert revoked.status_code == 200
    after = await world.browser.post(
        "/introspect", data={"token": token["access_token"]}, auth=partner_auth
    )
    assert after.json() == {"active": False}


async def test_token_endpoint_forms_ids_and_metrics(world: World) -> None:
    """/token is answered outside FastAPI's router (sso.oidc.fastpath): it still reads
    multipart forms, refuses an oversized one with a problem, echoes the request id and is
    counted under its route."""
    partner = {"client_id": world.partner["client_id"],
               "client_secret": world.partner["client_secret"]}  # fmt: skip
    multipart = await world.browser.post(
        "/token", files={k: (None, v) for k, v in {"grant_type": "client_credentials",
                                                   **partner}.items()},
        headers={"X-Request-ID": "req-token-1"},
    )  # fmt: skip
    assert multipart.status_code == 200, multipart.text
    assert multipart.headers["x-request-id"] == "req-token-1"
    assert multipart.headers["cache-control"] == "no-store"
    flooded = await world.browser.post(
        "/token", data={"grant_type": "client_credentials", **partner,
                        **{f"f{i}": "x" for i in range(200)}},
    )  # fmt: skip
    assert flooded.status_code == 400
    assert flooded.headers["content-type"] == "application/problem+json"
    assert flooded.json()["code"] == "too_many_fields"
    # a repeated field counts once, the last one (as Starlette's parser had it)
    repeated = await world.browser.post(
        "/token", content=f"grant_type=nope&grant_type=client_credentials&client_id="
        f"{partner['client_id']}&client_secret={partner['client_secret']}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert repeated.status_code == 200, repeated.text
    metrics = (await world.browser.get("/metrics")).text
    assert 'http_requests_total{method="POST",route="/token",status="200"}' in metrics
    # other methods on these paths still reach FastAPI
    assert (await world.browser.get("/token")).status_code == 405


async def test_client_changes_take_effect_at_once(world: World, db: Any) -> None:
    """The token endpoint keeps clients briefly in memory: a new secret, a disabled client and
    a deleted one must still count from the next request on."""
    from sso.audit.models import AuditEvent

    partner = world.partner
    old = (partner["client_id"], partner["client_secret"])

    async def grant(auth: tuple[str, str]) -> httpx.Response:
        return await world.browser.post(
            "/token", data={"grant_type": "client_credentials"}, auth=auth
        )

    first = await grant(old)
    assert first.status_code == 200, first.text  # the client is now cached
    issued = await db.count(AuditEvent, AuditEvent.action == "token.issued")
    assert issued >= 1  # one audit row per grant
    renewed = await world.admin.call(
        "POST", f"/v1/admin/clients/{partner['id']}/secret", expect=200
    )
    stale = await grant(old)
    assert stale.status_code == 401 and stale.json()["error"] == "invalid_client"
    new = (partner["client_id"], renewed["client_secret"])
    assert (await grant(new)).status_code == 200
    assert await db.count(AuditEvent, AuditEvent.action == "token.issued") == issued + 1
    body = {
        "name": partner["name"], "type": "confidential", "status": "disabled",
        "grant_types": ["client_credentials"], "scopes": ["orders.read"],
    }  # fmt: skip
    await world.admin.call("PUT", f"/v1/admin/clients/{partner['id']}", json=body, expect=200)
    disabled = await grant(new)
    assert disabled.status_code == 401 and disabled.json()["error"] == "invalid_client"
    await world.admin.call(
        "PUT", f"/v1/admin/clients/{partner['id']}", json={**body, "status": "active"},
        expect=200,
    )  # fmt: skip
    assert (await grant(new)).status_code == 200
    await world.admin.call("DELETE", f"/v1/admin/clients/{partner['id']}", expect=204)
    assert (await grant(new)).status_code == 401


async def test_forged_expired_and_foreign_tokens_refused(world: World, db: Any) -> None:
    _, token, _ = await world.code_login(world.bff)
    header = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[0] + "=="))
    payload = token["access_token"].split(".")[1]
    jwk = (await world.browser.get("/jwks.json")).json()["keys"][0]
    public_pem = (
        JsonWebKey.import_key(jwk)
        .get_public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    def forged(alg: str, key: bytes | None) -> str:
        head = b64(json.dumps({**header, "alg": alg}).encode())
        signing_input = f"{head}.{payload}".encode()
        if key is None:
            return f"{head}.{payload}."
        return f"{head}.{payload}.{b64(hmac.new(key, signing_input, hashlib.sha256).digest())}"

    now = int(LONG_AGO.timestamp())  # a token that expired long before any run of the suite
    base = jwt.decode(token["access_token"], await world.jwks())
    async with db.services() as services:
        expired = await services.keys.sign(
            {**base, "iat": now - 3600, "exp": now - 1800}, token_type="at+jwt"
        )
        foreign = await services.keys.sign({**base, "aud": "not-a-client"}, token_type="at+jwt")
    auth = (world.bff["client_id"], world.bff["client_secret"])
    for bad in (forged("none", None), forged("HS256", public_pem), expired, foreign,
                token["id_token"]):  # fmt: skip
        info = await world.browser.get("/userinfo", headers={"Authorization": f"Bearer {bad}"})
        assert info.status_code == 401, bad
        assert info.json()["error"] == "invalid_token"
        seen = await world.browser.post("/introspect", data={"token": bad}, auth=auth)
        assert seen.json() == {"active": False}
    live = await world.browser.post("/introspect", data={"token": token["access_token"]}, auth=auth)
    assert live.json()["active"] is True


async def test_login_page_languages_csrf_and_failures(world: World, admin: Any) -> None:
    params = {
        "client_id": world.bff["client_id"],
        "redirect_uri": world.bff["redirect_uris"][0],
        "response_type": "code",
        "scope": "openid",
    }
    zh = await world.browser.get("/login", params=params)
    assert zh.status_code == 200 and "登录" in zh.text and 'lang="zh-CN"' in zh.text
    en = await world.browser.get("/login", params={**params, "lang": "en"})
    assert "Sign in" in en.text and 'lang="en"' in en.text
    _, fields = await world.login_form(str(httpx.URL("/login", params=params)))
    no_csrf = await world.browser.post(
        "/login", data={**fields, "csrf_token": "x", "username": "u", "password": "p"}
    )
    assert no_csrf.status_code == 400
    wrong = await world.browser.post(
        "/login", data={**fields, "username": world.user["username"], "password": "Wrong-pass-1"}
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    await admin.call("POST", f"/v1/admin/users/{world.user['id']}/disable")
    disabled = await world.browser.post(
        "/login", data={**fields, "username": world.user["username"], "password": PASSWORD}
    )
    assert disabled.status_code == 401 and "已停用" in disabled.text
    # must change password: the form asks for a new one, then signs in
    fresh = await admin.user(world.org)  # must_change_password by default
    page = await world.browser.post(
        "/login", data={**fields, "username": fresh["username"], "password": PASSWORD}
    )
    assert page.status_code == 200 and 'name="new_password"' in page.text
    changed = await world.browser.post(
        "/login",
        data={**fields, "username": fresh["username"], "password": PASSWORD,
              "new_password": "Brand-New-Pass-7", "new_password_again": "Brand-New-Pass-7"},
    )  # fmt: skip
    assert changed.status_code == 303, changed.text


def test_production_refuses_placeholder_secret_key() -> None:
    from pydantic import ValidationError

    from servicekit.settings import Environment
    from sso.config import Settings

    required = {
        "environment": Environment.production,
        "database_url": "postgresql://x/y",
        "kafka_bootstrap_servers": "k:9092",
        "internal_jwks_url": "https://g/jwks",
        "issuer": "https://platform.example/auth",
    }
    with pytest.raises(ValidationError, match="SSO_SECRET_KEY"):
        Settings(**required)
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(**required, secret_key="dev-sso-secret-key-change-me")
    assert Settings(**required, secret_key="a-real-secret").issuer.endswith("/auth")


async def _refresh(world: World, client: dict[str, Any], refresh_token: str) -> httpx.Response:
    return await world.browser.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(client["client_id"], client.get("client_secret") or ""),
    )


async def _userinfo_status(world: World, access_token: str) -> int:
    answer = await world.browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {access_token}"}
    )
    return answer.status_code


async def test_logout_revokes_the_sessions_tokens(world: World, db: Any) -> None:
    """Logout ends the session and revokes every refresh family started in it (both clients
    signed on through it) with their access tokens; tokens of another session live on."""
    from sso.audit.models import AuditEvent

    _, bff_token, _ = await world.code_login(world.bff)
    # the public client signs on through the same browser session (SSO)
    spa = world.oauth(world.spa, scope="openid", code_challenge_method="S256")
    verifier = generate_token(48)
    url, _ = spa.create_authorization_url(f"{ISSUER}/authorize", code_verifier=verifier)
    straight = await world.browser.get(url)
    spa_token = await spa.fetch_token(
        f"{ISSUER}/token", authorization_response=straight.headers["location"],
        code_verifier=verifier,
    )  # fmt: skip
    rotated = (await _refresh(world, world.bff, bff_token["refresh_token"])).json()
    # an unused code of the session, issued before the logout
    pending_url, _ = spa.create_authorization_url(f"{ISSUER}/authorize", code_verifier=verifier)
    pending = await world.browser.get(pending_url)
    # another browser (another session) of the same user
    other_browser = world.browser
    world.browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app),
                                      base_url=ISSUER)  # fmt: skip
    try:
        _, other_token, _ = await world.code_login(world.bff)
    finally:
        await world.browser.aclose()
        world.browser = other_browser

    for access in (bff_token["access_token"], rotated["access_token"], spa_token["access_token"]):
        assert await _userinfo_status(world, access) == 200
    out = await world.browser.get("/logout", params={"client_id": world.bff["client_id"]})
    assert out.status_code == 200 and "sso_session" in out.headers.get("set-cookie", "")

    for access in (bff_token["access_token"], rotated["access_token"], spa_token["access_token"]):
        assert await _userinfo_status(world, access) == 401
    refused = await _refresh(world, world.bff, rotated["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    public = await world.browser.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": spa_token["refresh_token"],
              "client_id": world.spa["client_id"]},
    )  # fmt: skip
    assert public.json()["error"] == "invalid_grant"
    introspected = await world.browser.post(
        "/introspect", data={"token": rotated["refresh_token"]},
        auth=(world.bff["client_id"], world.bff["client_secret"]),
    )  # fmt: skip
    assert introspected.json() == {"active": False}
    # the code issued before the logout no longer redeems
    late = await world.browser.post(
        "/token",
        data={"grant_type": "authorization_code", "client_id": world.spa["client_id"],
              "code": parse_qs(urlsplit(pending.headers["location"]).query)["code"][0],
              "redirect_uri": world.spa["redirect_uris"][0], "code_verifier": verifier},
    )  # fmt: skip
    assert late.json()["error"] == "invalid_grant"
    # the other session's tokens are untouched
    assert await _userinfo_status(world, other_token["access_token"]) == 200
    assert (await _refresh(world, world.bff, other_token["refresh_token"])).status_code == 200
    revoked = await db.count(
        AuditEvent, AuditEvent.action == "token.revoked", AuditEvent.detail == "logout"
    )
    assert revoked >= 1
    # a second logout (no session any more) changes nothing and still answers
    assert (await world.browser.get("/logout")).status_code == 200


async def test_logout_redirects_only_where_the_client_registered(world: World) -> None:
    """post_logout_redirect_uri is honoured only when registered for the client named by
    id_token_hint (its audience) or client_id — and both, when given, must agree."""
    _, token, _ = await world.code_login(world.bff)
    bye = world.bff["post_logout_redirect_uris"][0]
    refused = [
        {"post_logout_redirect_uri": bye},  # no client named
        {"post_logout_redirect_uri": bye, "client_id": world.spa["client_id"]},  # not spa's
        {"post_logout_redirect_uri": bye + "x", "client_id": world.bff["client_id"]},
        {"post_logout_redirect_uri": bye, "client_id": "no-such-client"},
        {"id_token_hint": token["id_token"], "client_id": world.spa["client_id"]},  # disagree
        {"id_token_hint": "not.a.token", "post_logout_redirect_uri": bye},
    ]
    for params in refused:
        answer = await world.browser.get("/logout", params=params)
        assert answer.status_code == 400, params
        assert "location" not in answer.headers
    # a refused logout did not end the session: the spa still signs on without the password
    spa = world.oauth(world.spa, scope="openid", code_challenge_method="S256")
    url, _ = spa.create_authorization_url(f"{ISSUER}/authorize", code_verifier=generate_token(48))
    assert (await world.browser.get(url)).headers["location"].startswith("https://spa.example/")
    by_client = await world.browser.post(
        "/logout",
        data={"client_id": world.bff["client_id"], "post_logout_redirect_uri": bye, "state": "z"},
    )
    assert by_client.status_code == 302 and by_client.headers["location"] == f"{bye}?state=z"
    both = await world.browser.get(
        "/logout",
        params={"client_id": world.bff["client_id"], "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": bye},
    )  # fmt: skip
    assert both.status_code == 302 and both.headers["location"] == bye


async def test_purge_keeps_what_still_matters(world: World, db: Any) -> None:
    """Expired codes and sessions, dead refresh families and expired revoked-token rows go;
    a live family keeps its used tokens, so presenting one again still revokes the family."""
    from datetime import timedelta

    from sso.oidc.models import AuthorizationCode, BrowserSession, RefreshToken, RevokedToken

    _, token, _ = await world.code_login(world.bff)
    live_used = token["refresh_token"]
    rotated = (await _refresh(world, world.bff, live_used)).json()
    world.browser.cookies.clear()  # another browser session for the family that will die
    _, dead_token, _ = await world.code_login(world.bff)
    # The purge runs at PURGE_AT (its `now`), not the wall clock; LONG_AGO is before it.
    long_ago = LONG_AGO
    async with db.sessionmaker() as session:
        dead = (
            await session.execute(
                select(RefreshToken).where(
                    RefreshToken.token_hash == _sha256(dead_token["refresh_token"])
                )
            )
        ).scalar_one()
        dead_family = dead.family_id
        dead.expires_at = long_ago
        dead_session = await session.get(BrowserSession, dead.session_id)
        assert dead_session is not None
        dead_session.expires_at = long_ago
        for code in (await session.execute(select(AuthorizationCode))).scalars():
            if code.session_id == dead.session_id:
                code.expires_at = long_ago
        session.add(RevokedToken(jti=f"old-{uuid.uuid4().hex}", expires_at=long_ago,
                                 revoked_at=long_ago, reason="revoked"))  # fmt: skip
        session.add(RevokedToken(jti=f"new-{uuid.uuid4().hex}", expires_at=PURGE_AT
                                 + timedelta(minutes=5), revoked_at=PURGE_AT, reason="revoked"))  # fmt: skip
        await session.commit()
    codes_before = await db.count(AuthorizationCode)
    async with db.services() as services:
        counts = await services.oidc.purge(timedelta(days=1), now=PURGE_AT)
    assert counts["refresh tokens"] >= 1 and counts["browser sessions"] >= 1
    assert counts["authorization codes"] >= 1 and counts["revoked access tokens"] >= 1
    assert await db.count(AuthorizationCode) == codes_before - counts["authorization codes"]
    assert await db.count(RefreshToken, RefreshToken.family_id == dead_family) == 0
    assert await db.count(RevokedToken, RevokedToken.jti.like("new-%")) >= 1
    # the live family: its used token still exists and its reuse still revokes the family
    reuse = await _refresh(world, world.bff, live_used)
    assert reuse.json()["error"] == "invalid_grant"
    assert (await _refresh(world, world.bff, rotated["refresh_token"])).json()[
        "error"
    ] == "invalid_grant"
    assert await _userinfo_status(world, rotated["access_token"]) == 401


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def test_brute_force_through_the_login_form(world: World, admin: Any, db: Any) -> None:
    """The Nth wrong password on the real form locks the account (audited); the right one is
    then refused with no session, until an administrator unlocks it."""
    params = {
        "client_id": world.bff["client_id"],
        "redirect_uri": world.bff["redirect_uris"][0],
        "response_type": "code",
        "scope": "openid",
    }
    _, fields = await world.login_form(str(httpx.URL("/login", params=params)))
    name = world.user["username"]
    for _ in range(5):  # SSO_LOCKOUT_THRESHOLD
        wrong = await world.browser.post(
            "/login", data={**fields, "username": name, "password": "Wrong-Horse-1"}
        )
        assert wrong.status_code == 401 and "sso_session" not in wrong.headers.get("set-cookie", "")
    [locked] = await db.audit("user.locked", world.user["id"])
    assert locked.detail == "5 consecutive wrong passwords"
    right = await world.browser.post(
        "/login", data={**fields, "username": name, "password": PASSWORD}
    )
    assert right.status_code == 401 and "账号已被锁定" in right.text
    assert "sso_session" not in right.headers.get("set-cookie", "")
    await admin.call("POST", f"/v1/admin/users/{world.user['id']}/unlock")
    after = await world.browser.post(
        "/login", data={**fields, "username": name, "password": PASSWORD}
    )
    assert after.status_code == 303 and "sso_session" in after.headers.get("set-cookie", "")
