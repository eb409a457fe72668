"""Forwarding to allow-listed upstreams only, with clear problems when an upstream fails."""

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from gateway.config import Settings
from gateway.main import definition
from servicekit.app import create_app
from servicekit.settings import Environment


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _echo_upstream() -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def echo(request: Request, path: str) -> dict[str, object]:
        if path == "slow":
            await asyncio.sleep(5)
        return {
            "path": "/" + path,
            "query": request.url.query,
            "body": (await request.body()).decode(),
            "authorization": request.headers.get("authorization"),
            "request_id": request.headers.get("x-request-id"),
        }

    return app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(_echo_upstream(), port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def gateway(
    upstream: str, database_url: str, kafka_bootstrap: str
) -> AsyncIterator[httpx.AsyncClient]:
    dead = f"http://127.0.0.1:{_free_port()}"
    settings = Settings(
        environment=Environment.test,
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        orders_url=upstream,
        finance_url=dead,
        sso_url=upstream,
        upstream_timeout_seconds=0.5,
        log_json=False,
    )
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_entry_prefix_is_stripped_and_body_query_and_request_id_pass(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/api/orders/v1/orders?page=2",
        content=b'{"a": 1}',
        headers={"authorization": "Bearer caller-token", "x-request-id": "req-123"},
    )
    assert response.status_code == 200
    echoed = response.json()
    assert echoed["path"] == "/v1/orders"
    assert echoed["query"] == "page=2"
    assert echoed["body"] == '{"a": 1}'
    assert echoed["request_id"] == "req-123"
    # The caller's credentials never reach a service: services trust only internal tokens.
    assert echoed["authorization"] is None
    assert response.headers["x-request-id"] == "req-123"

    auth = await gateway.get("/auth/.well-known/openid-configuration")
    assert auth.json()["path"] == "/.well-known/openid-configuration"


async def test_unknown_entry_down_and_slow_upstreams_are_problems(
    gateway: httpx.AsyncClient,
) -> None:
    unknown = await gateway.get("/api/lottery/v1/tickets")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_entry"

    down = await gateway.get("/api/finance/v1/anything")
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert down.json()["code"] == "upstream_unavailable"

    slow = await gateway.get("/api/orders/slow")
    assert slow.status_code == 504
    assert slow.json()["code"] == "upstream_timeout"


async def test_index_lists_the_entries(gateway: httpx.AsyncClient) -> None:
    index = (await gateway.get("/")).json()
    assert set(index["entries"]) == {"insurance", "risk", "valueadd", "orders", "finance"}
