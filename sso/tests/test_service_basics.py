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
    missing = await client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["code"] == "not_found"
    assert missing.headers["x-request-id"] == missing.json()["request_id"]
