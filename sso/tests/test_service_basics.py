"""The service boots on both databases with the broker, and speaks problem+json."""

import httpx


async def test_liveness_and_readiness(client: httpx.AsyncClient) -> None:
    live = await client.get("/healthz")
    assert live.json() == {"status": "ok", "service": "sso"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": True, "broker": True}


async def test_openapi_and_unknown_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["info"]["title"].startswith("sso")
    paths = spec["paths"]
    assert {
        "/v1/admin/institutions",
        "/v1/admin/institutions/{institution_id}/entitlement",
        "/v1/admin/packages/{code}/preview",
        "/v1/admin/users/{user_id}/unlock",
        "/v1/admin/roles",
        "/v1/admin/clients",
        "/v1/admin/audit-events/export.csv",
        "/v1/admin/imports/{kind}",
        "/v1/me/entries",
    } <= set(paths)
    upload = paths["/v1/admin/imports/{kind}"]["post"]["requestBody"]["content"]
    assert "text/csv" in upload
    unauthenticated = await client.get("/v1/admin/institutions")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "token_missing"
    missing = await client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "not_found"
    assert missing.headers["x-request-id"] == missing.json()["request_id"]
