"""The gateway in front of a real sso and a real orders service: browser sessions, entitlements
at the door, internal tokens services verify, partner bearer tokens, and what is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from jose import jwt

from gateway.door.ratelimit import RateLimiter
from gateway.runtime import GatewayRuntime
from servicekit.signing import fernet_for, generate_key
from sso.demo import DEMO_ADMIN_PASSWORD, DEMO_STAFF_PASSWORD, demo_org_id

TECH = demo_org_id("technology-platform")
HUACHENG = demo_org_id("agency-huacheng")


def runtime_of(platform: Any) -> GatewayRuntime:
    runtime: GatewayRuntime = platform.gateway_app.state.runtime
    return runtime


async def test_a_browser_signs_in_and_reaches_entitled_entries_only(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD, return_to="/console/orders")
    me = await admin.session()
    assert me["user"]["username"] == "platform.admin"
    assert me["institution"]["code"] == "TECH"
    assert me["platform_operator"] is True
    assert {"orders", "finance", "sso"} <= {e["code"] for e in me["entries"]}
    assert "orders.order.query" in me["functions"]["orders"]

    # Through the door to the real orders service, which verified the gateway's internal token.
    created = await admin.call(
        "POST", "/api/orders/v1/orders", expect=201, json=platform.order_body(HUACHENG)
    )
    page = await admin.call("GET", "/api/orders/v1/orders", params={"limit": 5})
    assert created["id"] in [o["id"] for o in page["items"]]
    # The caller's cookie is not what reached orders: its trajectory names the user.
    detail = await admin.call("GET", f"/api/orders/v1/orders/{created['id']}")
    assert detail["trajectory"][0]["by"] == me["user"]["id"]

    # An agency holds insurance and finance, not orders: refused at the door.
    staff = browsers()
    await staff.login("huacheng.staff", DEMO_STAFF_PASSWORD)
    entries = {e["code"]: e for e in (await staff.session())["entries"]}
    assert "orders" not in entries
    refused = await staff.call("GET", "/api/orders/v1/orders", expect=403)
    assert refused["code"] == "entry_not_entitled"
    # Its insurance entry launches the agency's own system (a tenant system), orders not at all.
    launch = await staff.http.get("/bff/launch/insurance")
    assert launch.status_code == 302
    assert launch.headers["location"] == "http://127.0.0.1:8108/huacheng/"  # tenantentry/
    assert (await staff.call("GET", "/bff/launch/orders", expect=403))["code"] == (
        "entry_not_entitled"
    )
    assert (await admin.http.get("/bff/launch/orders")).headers["location"] == "/console/orders"


async def test_revoking_an_entitlement_closes_the_entry_within_the_bound(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
    sso = "/api/sso/v1/admin"
    suffix = f"{uuid.uuid4().int % 10**8:08d}"
    institution = await admin.call(
        "POST", f"{sso}/institutions", expect=201,
        json={"code": f"GW{suffix}", "name": "网关测试机构", "type": "agency"},
    )  # fmt: skip
    path = f"{sso}/institutions/{institution['id']}/entitlement"
    await admin.call("PUT", path, json={"entries": [
        {"entry": "orders", "functions": ["orders.order.query"]},
        {"entry": "finance", "functions": ["finance.invoice.query"]},
    ]})  # fmt: skip
    role = await admin.call(
        "POST", f"{sso}/roles", expect=201,
        json={"institution_id": institution["id"], "code": "clerk", "name": "职员",
              "functions": ["orders.order.query", "finance.invoice.query"]},
    )  # fmt: skip
    await admin.call(
        "POST", f"{sso}/users", expect=201,
        json={"username": f"gw.clerk{suffix}", "display_name": "职员",
              "institution_id": institution["id"], "role_ids": [role["id"]],
              "password": "Correct-Horse-9", "must_change_password": False},
    )  # fmt: skip
    clerk = browsers()
    await clerk.login(f"gw.clerk{suffix}", "Correct-Horse-9")
    assert (await clerk.call("GET", "/api/orders/v1/orders"))["items"] == []

    await admin.call("PUT", path, json={"entries": [
        {"entry": "finance", "functions": ["finance.invoice.query"]},
    ]})  # fmt: skip
    started = time.monotonic()
    while True:
        response = await clerk.http.get("/api/orders/v1/orders")
        if response.status_code == 403:
            break
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 20, (
            "the revocation did not reach the gateway in 20 s; the consumer holds "
            f"{platform.gateway_app.state.messaging.consumer.assignment()}"
        )
        await asyncio.sleep(0.1)
    assert response.json()["code"] == "entry_not_entitled"
    assert [e["code"] for e in (await clerk.session())["entries"]] == ["finance"]


async def test_csrf_logout_and_session_cookies(platform: Any, browsers: Callable[[], Any]) -> None:
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
    no_csrf = await admin.call(
        "POST", "/api/orders/v1/orders", expect=403, csrf=False, json=platform.order_body(TECH)
    )
    assert no_csrf["code"] == "csrf_failed"
    wrong = await admin.call(
        "POST", "/api/orders/v1/orders", expect=403, csrf=False,
        headers={"X-CSRF-Token": "not-the-token"}, json=platform.order_body(TECH),
    )  # fmt: skip
    assert wrong["code"] == "csrf_failed"
    assert (await admin.call("POST", "/bff/logout", expect=403, csrf=False))["code"] == (
        "csrf_failed"
    )

    cookie = admin.http.cookies.get(platform.gateway_settings.session_cookie_name)
    assert cookie
    answer = await admin.call("POST", "/bff/logout")
    assert answer["logout_url"].startswith(f"{platform.url}/auth/logout?")
    ended = await admin.http.get(answer["logout_url"])  # sso ends its own session too
    assert ended.status_code in (302, 303), ended.text
    assert ended.headers["location"].rstrip("?") == f"{platform.url}/"

    # The old cookie, replayed, opens nothing.
    replay = httpx.AsyncClient(base_url=platform.url)
    replay.cookies.set(platform.gateway_settings.session_cookie_name, cookie)
    try:
        refused = await replay.get("/api/orders/v1/orders")
        assert refused.status_code == 401
        assert refused.json()["code"] == "session_expired"
        assert (await replay.get("/bff/session")).status_code == 401
    finally:
        await replay.aclose()
    nobody = await httpx.AsyncClient(base_url=platform.url).get("/api/orders/v1/orders")
    assert nobody.status_code == 401
    assert nobody.json()["code"] == "session_missing"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_forged_expired_wrong_audience_and_unsigned_tokens_are_refused(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    # Valid by its times on any day the suite runs (a century long): only the key is wrong.
    now, century = 1_792_468_800, 100 * 365 * 86_400  # 2026-10-20T04:00Z
    stranger = generate_key(fernet_for("someone-else"))
    from servicekit.signing import KeyCache

    forged_key = KeyCache(fernet_for("someone-else")).load(
        stranger.kid, stranger.private_key_encrypted
    )
    claims = {
        "iss": platform.gateway_settings.oidc_issuer, "sub": "huacheng-partner",
        "client_id": "huacheng-partner", "aud": "huacheng-partner", "iat": now, "exp": now + century,
        "org": str(HUACHENG), "scope": "orders.read",
    }  # fmt: skip
    forged = forged_key.sign(claims, token_type="at+jwt")
    unsigned = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}."
    async with httpx.AsyncClient(base_url=platform.url) as http:
        for token, code in (
            (forged, "token_unknown_key"),
            (unsigned, "token_algorithm_refused"),
            ("not.a.token", "token_malformed"),
        ):
            response = await http.get(
                "/api/orders/v1/orders", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, (code, response.text)
            assert response.json()["code"] == code

        # A real partner token, once expired, is refused as well.
        token = await _client_token(http, "huacheng-partner", "demo-huacheng-partner-secret")
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256"

    # Services trust only the gateway's tokens, and only for their own entry.
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
    runtime = runtime_of(platform)
    admin_access = await runtime.directory.get((await admin.session())["user"]["id"])
    for_sso = runtime.tokens.for_access(admin_access, "sso", "test")
    for_orders = runtime.tokens.for_access(admin_access, "orders", "test")
    assert runtime.tokens.for_access(admin_access, "orders", "other-request") == for_orders
    async with httpx.AsyncClient(base_url=platform.orders_url) as orders:
        ok = await orders.get("/v1/orders", headers={"Authorization": f"Bearer {for_orders}"})
        assert ok.status_code == 200, ok.text
        aud = await orders.get("/v1/orders", headers={"Authorization": f"Bearer {for_sso}"})
        assert aud.status_code == 401
        assert aud.json()["code"] == "token_invalid"
        none_alg = f"{_b64({'alg': 'none', 'kid': 'x'})}.{_b64({'sub': 'x', 'aud': 'orders'})}."
        bad = await orders.get("/v1/orders", headers={"Authorization": f"Bearer {none_alg}"})
        assert bad.json()["code"] == "token_algorithm_refused"
        plain = await orders.get("/v1/orders", headers={"X-User": "platform.admin"})
        assert plain.status_code == 401
        expired = runtime.signer.sign(
            {"iss": "platform-gateway", "aud": "orders", "sub": "x", "iat": now - 900,
             "exp": now - 600, "fns": ["orders.order.query"], "op": True}
        )  # fmt: skip
        late = await orders.get("/v1/orders", headers={"Authorization": f"Bearer {expired}"})
        assert late.json()["code"] == "token_expired"


async def _client_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_partner_of_institution_a_never_reads_institution_bs_orders(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
    sso = "/api/sso/v1/admin"
    suffix = f"{uuid.uuid4().int % 10**8:08d}"
    partners: dict[str, tuple[str, str, str]] = {}
    for name in ("A", "B"):
        institution = await admin.call(
            "POST", f"{sso}/institutions", expect=201,
            json={"code": f"P{name}{suffix}", "name": f"合作机构{name}", "type": "agency"},
        )  # fmt: skip
        await admin.call(
            "PUT", f"{sso}/institutions/{institution['id']}/entitlement",
            json={"entries": [{"entry": "orders",
                               "functions": ["orders.order.query", "orders.order.create"]}]},
        )  # fmt: skip
        client = await admin.call(
            "POST", f"{sso}/clients", expect=201,
            json={"client_id": f"partner-{name.lower()}-{suffix}", "name": f"合作方{name}",
                  "type": "confidential", "institution_id": institution["id"],
                  "redirect_uris": [], "grant_types": ["client_credentials"],
                  "scopes": ["orders.read", "orders.write"]},
        )  # fmt: skip
        partners[name] = (institution["id"], client["client_id"], client["client_secret"])

    async with httpx.AsyncClient(base_url=platform.url) as http:
        tokens = {n: await _client_token(http, c, s) for n, (_, c, s) in partners.items()}

        def as_(name: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[name]}"}

        made = {}
        for name, (org, _, _) in partners.items():
            response = await http.post(
                "/api/orders/v1/orders", json=platform.order_body(org), headers=as_(name)
            )
            assert response.status_code == 201, response.text
            made[name] = response.json()
        # A writing for B is refused by orders (its token names only A).
        foreign = await http.post(
            "/api/orders/v1/orders", json=platform.order_body(partners["B"][0]), headers=as_("A")
        )
        assert foreign.status_code in (403, 422), foreign.text

        listed = (await http.get("/api/orders/v1/orders", headers=as_("A"))).json()["items"]
        assert [o["id"] for o in listed] == [made["A"]["id"]]
        filtered = await http.get(
            "/api/orders/v1/orders",
            params={"customer_org_id": partners["B"][0]},
            headers=as_("A"),
        )
        assert filtered.status_code in (200, 403)
        if filtered.status_code == 200:
            assert filtered.json()["items"] == []
        direct = await http.get(f"/api/orders/v1/orders/{made['B']['id']}", headers=as_("A"))
        assert direct.status_code == 404
        # Nor through sso's admin or internal routes, nor an entry its scopes do not name.
        for path in (
            f"/api/sso/v1/admin/institutions/{partners['B'][0]}",
            f"/api/sso/v1/internal/principals/{partners['B'][1]}",
            "/api/finance/v1/settlement-items",
        ):
            response = await http.get(path, headers=as_("A"))
            assert response.status_code in (403, 404), (path, response.text)


async def test_upstream_down_unknown_entry_and_rate_limits(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    admin = browsers()
    await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
    down = await admin.call("GET", "/api/finance/v1/settlement-items", expect=503)
    assert down["code"] == "upstream_unavailable"
    unknown = await admin.call("GET", "/api/lottery/v1/tickets", expect=404)
    assert unknown["code"] == "unknown_entry"

    runtime = runtime_of(platform)
    saved = runtime.login_limit
    runtime.login_limit = RateLimiter(0.01, 2)
    try:
        async with httpx.AsyncClient(base_url=platform.url) as http:
            statuses = [
                (await http.post("/auth/login", data={"username": "x", "password": "y"}))
                for _ in range(3)
            ]
        assert statuses[-1].status_code == 429
        assert statuses[-1].json()["code"] == "rate_limited"
        assert int(statuses[-1].headers["retry-after"]) >= 1
        assert all(s.status_code != 429 for s in statuses[:2])
    finally:
        runtime.login_limit = saved


async def test_internal_jwks_publishes_the_signing_key(platform: Any) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as http:
        jwks = (await http.get("/.well-known/internal-jwks.json")).json()
    runtime = runtime_of(platform)
    assert runtime.signer.current.kid in [k["kid"] for k in jwks["keys"]]
    assert all(k["alg"] == "ES256" and "d" not in k for k in jwks["keys"])


async def test_a_second_replica_serves_the_session_and_honours_a_logout(
    platform: Any, browsers: Callable[[], Any]
) -> None:
    """Two replicas on one database: a session started on one works on the other (as after a
    restart: the second replica starts with empty caches), and a logout on the first ends it
    on the second within the recheck interval (0 s here)."""
    async with platform.replica(session_recheck_seconds=0) as replica_url:
        admin = browsers()
        await admin.login("platform.admin", DEMO_ADMIN_PASSWORD)
        cookie = admin.http.cookies.get(platform.gateway_settings.session_cookie_name)
        name = platform.gateway_settings.session_cookie_name
        async with httpx.AsyncClient(base_url=replica_url, cookies={name: cookie}) as other:
            assert (await other.get("/api/orders/v1/orders")).status_code == 200
            me = (await other.get("/bff/session")).json()
            assert me["user"]["username"] == "platform.admin"
            await admin.call("POST", "/bff/logout")
            after = await other.get("/api/orders/v1/orders")
            assert after.status_code == 401
            assert after.json()["code"] == "session_expired"
