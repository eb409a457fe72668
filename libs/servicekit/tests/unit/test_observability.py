"""Request and correlation ids: assigned, echoed, sanitised, and carried by every JSON log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import APIRouter

from servicekit.observability import (
    JsonFormatter,
    configure_logging,
    correlation_id_var,
    correlation_scope,
    request_id_var,
)

router = APIRouter()
app_log = logging.getLogger("app")


@router.get("/ids")
async def ids() -> dict[str, str | None]:
    app_log.info("handling %s", "ids", extra={"order_no": "OC123"})
    return {"request_id": request_id_var.get(), "correlation_id": correlation_id_var.get()}


@router.get("/fail")
async def fail() -> dict[str, str]:
    raise ValueError("boom with a secret")


@pytest.fixture
async def client(
    make_client: Callable[[APIRouter], httpx.AsyncClient],
) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(router) as c:
        yield c


def is_generated(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


async def test_ids_are_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/ids")
    second = await client.get("/ids")
    rid = first.headers["x-request-id"]
    assert is_generated(rid)
    # Without a correlation id, the request starts a new flow: correlation = request id.
    assert first.headers["x-correlation-id"] == rid
    assert first.json() == {"request_id": rid, "correlation_id": rid}
    assert second.headers["x-request-id"] != rid


async def test_ids_are_echoed_when_present(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/ids", headers={"x-request-id": "req-7", "x-correlation-id": "flow-42"}
    )
    assert response.headers["x-request-id"] == "req-7"
    assert response.headers["x-correlation-id"] == "flow-42"
    assert response.json() == {"request_id": "req-7", "correlation_id": "flow-42"}


async def test_only_the_request_id_given(client: httpx.AsyncClient) -> None:
    response = await client.get("/ids", headers={"x-request-id": "req-8"})
    assert response.headers["x-correlation-id"] == "req-8"


@pytest.mark.parametrize("bad", ["x" * 129, "evil\x1b[31mred", "tab\there", "nul\x7fdel"], ids=repr)
async def test_overlong_or_unprintable_ids_are_replaced(
    client: httpx.AsyncClient, bad: str
) -> None:
    response = await client.get("/ids", headers={"x-request-id": bad, "x-correlation-id": bad})
    rid = response.headers["x-request-id"]
    assert is_generated(rid)
    assert response.headers["x-correlation-id"] == rid
    assert response.json() == {"request_id": rid, "correlation_id": rid}


async def test_an_id_of_128_printable_characters_is_kept(client: httpx.AsyncClient) -> None:
    ok = "r" * 128
    assert (await client.get("/ids", headers={"x-request-id": ok})).headers["x-request-id"] == ok


async def test_ids_do_not_leak_between_requests(client: httpx.AsyncClient) -> None:
    await client.get("/ids", headers={"x-request-id": "req-a"})
    assert request_id_var.get() is None
    assert correlation_id_var.get() is None


async def test_json_log_lines_carry_the_ids(client: httpx.AsyncClient, json_logs) -> None:  # type: ignore[no-untyped-def]
    await client.get("/ids", headers={"x-request-id": "req-9", "x-correlation-id": "flow-9"})
    lines = json_logs.lines()
    inside = [line for line in lines if line["logger"] == "app"]
    assert len(inside) == 1
    assert inside[0]["message"] == "handling ids"
    assert inside[0]["request_id"] == "req-9"
    assert inside[0]["correlation_id"] == "flow-9"
    assert inside[0]["order_no"] == "OC123"
    assert inside[0]["service"] == "skunit" and inside[0]["level"] == "INFO"
    access = [line for line in lines if line["logger"] == "servicekit.access"]
    assert len(access) == 1
    assert access[0]["request_id"] == "req-9" and access[0]["correlation_id"] == "flow-9"
    assert access[0]["method"] == "GET" and access[0]["path"] == "/ids"
    assert access[0]["status"] == 200
    assert isinstance(access[0]["duration_ms"], float)


async def test_unexpected_error_is_logged_with_the_ids(
    client: httpx.AsyncClient, json_logs
) -> None:  # type: ignore[no-untyped-def]
    response = await client.get("/fail", headers={"x-request-id": "req-500"})
    assert response.status_code == 500
    assert response.json()["request_id"] == "req-500"
    errors = [line for line in json_logs.lines() if line["logger"] == "servicekit.errors"]
    assert len(errors) == 1
    assert errors[0]["level"] == "ERROR"
    assert errors[0]["request_id"] == "req-500"
    assert "boom with a secret" in str(errors[0]["exc_info"])  # in the log, not the response
    assert "boom with a secret" not in response.text
    access = [line for line in json_logs.lines() if line["logger"] == "servicekit.access"]
    assert access[0]["status"] == 500 and access[0]["request_id"] == "req-500"


def test_formatter_outside_a_request_and_inside_a_correlation_scope() -> None:
    formatter = JsonFormatter("svc")
    record = logging.makeLogRecord(
        {"name": "x", "levelname": "INFO", "msg": "hello %s", "args": ("you",)}
    )
    import json

    outside = json.loads(formatter.format(record))
    assert outside["message"] == "hello you"
    assert outside["request_id"] is None and outside["correlation_id"] is None
    with correlation_scope("flow-1"):
        assert json.loads(formatter.format(record))["correlation_id"] == "flow-1"
    assert correlation_id_var.get() is None


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    kafka_level = logging.getLogger("aiokafka").level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("aiokafka").setLevel(kafka_level)


def test_configure_logging_installs_json_on_the_root(root_logging: None) -> None:
    configure_logging("svc", "WARNING", as_json=True)
    root = logging.getLogger()
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, JsonFormatter)
    assert root.level == logging.WARNING
    assert logging.getLogger("aiokafka").level == logging.CRITICAL
    configure_logging("svc", "INFO", as_json=False)
    assert not isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/ids")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'http_requests_total{method="GET",route="/ids",status="200"}' in metrics.text


def _requests_counted(metrics_text: str, route: str) -> float:
    prefix = f'http_requests_total{{method="GET",route="{route}",status="200"}} '
    lines = [line for line in metrics_text.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


async def test_metrics_count_every_request(client: httpx.AsyncClient) -> None:
    before = _requests_counted((await client.get("/metrics")).text, "/ids")
    for _ in range(3):
        await client.get("/ids")
    after = _requests_counted((await client.get("/metrics")).text, "/ids")
    assert after == before + 3
