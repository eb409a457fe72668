"""Creating and reading orders through the API, on both databases, with the real broker."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from servicekit.clock import FixedClock
from servicekit.testing.tokens import TestTokenIssuer

ORG_A = uuid.uuid4()
ORG_B = uuid.uuid4()


def _body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "category": "risk_assessment",
        "direction": "receivable",
        "customer_org_id": str(ORG_A),
        "amount": "1280.50",
        "source_service": "risk",
        "source_ref": f"assessment-{uuid.uuid4().hex[:12]}",
        "sign_date": "2026-11-20",
    }
    body.update(overrides)
    return body


def _auth(issuer: TestTokenIssuer, org: uuid.UUID = ORG_A, *fns: str) -> dict[str, str]:
    functions = fns or ("orders.order.create", "orders.order.query")
    return issuer.headers(entry="orders", functions=functions, org_id=org, subject="clerk-a")


async def test_create_is_idempotent_by_source_and_records_trajectory(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    body = _body()
    first = await client.post("/v1/orders", json=body, headers=_auth(token_issuer))
    assert first.status_code == 201, first.text
    order = first.json()
    assert order["order_no"].startswith("OC2") and len(order["order_no"]) == 16
    assert order["amount"] == "1280.50"
    assert order["status"] == "created"
    # Time-ordered ids: the order's index entries land beside those of its contemporaries.
    assert uuid.UUID(order["id"]).version == 7
    assert [(s["from_status"], s["to_status"], s["by"]) for s in order["trajectory"]] == [
        (None, "created", "clerk-a")
    ]
    again = await client.post("/v1/orders", json=body, headers=_auth(token_issuer))
    assert again.status_code == 200
    assert again.json()["id"] == order["id"]

    reused = await client.post(
        "/v1/orders", json={**body, "amount": "99.00"}, headers=_auth(token_issuer)
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "source_ref_reused"


async def test_concurrent_creates_of_one_source_make_one_order(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    body = _body()
    responses = await asyncio.gather(
        *[client.post("/v1/orders", json=body, headers=_auth(token_issuer)) for _ in range(5)]
    )
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["id"] for r in responses}) == 1
    numbers = await asyncio.gather(
        *[client.post("/v1/orders", json=_body(), headers=_auth(token_issuer)) for _ in range(5)]
    )
    assert len({r.json()["order_no"] for r in numbers}) == 5


async def test_bad_input_is_a_clear_problem(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    as_float = await client.post(
        "/v1/orders",
        content=json.dumps(_body(amount=12.5)),
        headers={**_auth(token_issuer), "content-type": "application/json"},
    )
    assert as_float.status_code == 422
    problem = as_float.json()
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == ["body.amount"]

    unknown = await client.post(
        "/v1/orders", json=_body(category="lottery"), headers=_auth(token_issuer)
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.category"


async def test_access_is_by_function_and_institution(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    no_token = await client.post("/v1/orders", json=_body())
    assert no_token.status_code == 401 and no_token.json()["code"] == "token_missing"

    query_only = _auth(token_issuer, ORG_A, "orders.order.query")
    denied = await client.post("/v1/orders", json=_body(), headers=query_only)
    assert denied.status_code == 403 and denied.json()["code"] == "function_not_granted"

    other_org = await client.post(
        "/v1/orders", json=_body(customer_org_id=str(ORG_B)), headers=_auth(token_issuer)
    )
    assert other_org.status_code == 403 and other_org.json()["code"] == "org_not_visible"

    created = await client.post("/v1/orders", json=_body(), headers=_auth(token_issuer))
    order_id = created.json()["id"]
    mine = await client.get(f"/v1/orders/{order_id}", headers=_auth(token_issuer))
    assert mine.status_code == 200
    theirs = await client.get(f"/v1/orders/{order_id}", headers=_auth(token_issuer, ORG_B))
    assert theirs.status_code == 404 and theirs.json()["code"] == "order_not_found"
    operator = token_issuer.headers(
        entry="orders", functions=["orders.order.query"], org_id=ORG_B, platform_operator=True
    )
    assert (await client.get(f"/v1/orders/{order_id}", headers=operator)).status_code == 200


async def test_created_order_is_published_once_with_its_envelope(
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    read_topic: Callable[..., Awaitable[list[tuple[str, dict[str, Any]]]]],
) -> None:
    created = await client.post("/v1/orders", json=_body(), headers=_auth(token_issuer))
    order_id = created.json()["id"]
    [(key, event)] = await read_topic(
        "orders.order", lambda e: e["aggregate_id"] == order_id, want=1
    )
    assert key == order_id
    assert event["event_type"] == "orders.order.created"
    assert event["producer"] == "orders"
    assert event["org_id"] == str(ORG_A)
    assert event["payload"]["amount"]["amount"] == "1280.50"
    assert event["correlation_id"] == created.headers["x-request-id"]


async def test_numbers_and_times_follow_the_apps_clock(
    app: Any, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    # 00:30 on 2031-03-02 in Shanghai is still 2031-03-01 in UTC: the number takes the
    # business day, and every stamp is the pinned instant, not the wall clock.
    clock = FixedClock(datetime(2031, 3, 1, 16, 30, tzinfo=UTC))
    app.state.clock = clock
    h = _auth(token_issuer, ORG_A, "orders.order.create", "orders.order.query",
              "orders.order.reconcile")  # fmt: skip
    created = await client.post("/v1/orders", json=_body(), headers=h)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["order_no"].startswith("OC20310302")
    assert _utc(order["created_at"]) == clock()
    clock.advance(hours=2)
    moved = await client.post(
        f"/v1/orders/{order['id']}/transitions", json={"to": "reconciled"}, headers=h
    )
    assert moved.status_code == 200, moved.text
    steps = (await client.get(f"/v1/orders/{order['id']}", headers=h)).json()["trajectory"]
    assert [_utc(s["at"]) for s in steps] == [datetime(2031, 3, 1, 16, 30, tzinfo=UTC), clock()]


def _utc(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at.replace(tzinfo=at.tzinfo or UTC)  # SQLite gives naive UTC
