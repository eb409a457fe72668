"""Steps by hand through POST /v1/orders/{id}/transitions: every legal and illegal pair of the
table, the function each needs, and nothing half-written."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI

from orders.order import lifecycle
from orders.order.lifecycle import TRANSITIONS, Transition
from shared_schemas import OrderStatus

MANUAL_STEPS = [t for t in TRANSITIONS if t.manual]
ILLEGAL_BY_SOURCE = {
    source: [t for t in OrderStatus if lifecycle.manual(source, t) is None]
    for source in OrderStatus
}


@pytest.mark.parametrize("step", MANUAL_STEPS, ids=lambda t: f"{t.source}->{t.target}")
async def test_every_step_by_hand_records_trajectory_and_event(
    step: Transition, api: Any, db: Any
) -> None:
    order = await api.create()
    await db.force_status(order["id"], step.source.value)

    response = await api.move(order["id"], step.target.value, note="客户已确认对账单")

    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["status"] == step.target
    assert moved["next_statuses"] == lifecycle.manual_targets(step.target)
    last = moved["trajectory"][-1]
    request_id = response.headers["x-request-id"]
    assert (last["from_status"], last["to_status"], last["by"], last["cause"], last["note"]) == (
        step.source,
        step.target,
        "clerk-a",
        request_id,
        "客户已确认对账单",
    )
    [event] = await db.status_events(order["id"])
    assert event["payload"] | {"order_id": None} == {
        "order_id": None,
        "order_no": order["order_no"],
        "from_status": step.source,
        "to_status": step.target,
        "changed_by": "clerk-a",
        "cause": request_id,
        "note": "客户已确认对账单",
    }
    assert (event["causation_id"], event["correlation_id"]) == (request_id, request_id)
    assert event["org_id"] == order["customer_org_id"]


@pytest.mark.parametrize("source", OrderStatus, ids=str)
async def test_every_illegal_step_is_a_409_naming_the_allowed_targets(
    source: OrderStatus, api: Any, db: Any
) -> None:
    order = await api.create()
    await db.force_status(order["id"], source.value)
    allowed = lifecycle.manual_targets(source)

    for target in ILLEGAL_BY_SOURCE[source]:
        response = await api.move(order["id"], target.value)

        assert response.status_code == 409, (source, target, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "illegal_transition"
        assert f"Allowed targets from {source}:" in problem["detail"]
        assert all(str(a) in problem["detail"] for a in allowed)
        assert problem["errors"][0]["field"] == "body.to"
        assert problem["errors"][0]["allowed"] == allowed
    # Nothing was written by any of the refused steps.
    assert (await db.order(order["id"])).status == source
    assert await db.steps(order["id"]) == 1
    assert await db.status_events(order["id"]) == []


@pytest.mark.parametrize(
    ("target", "function"),
    [("reconciled", "orders.order.reconcile"), ("cancelled", "orders.order.cancel")],
)
async def test_each_step_needs_its_own_function(
    target: str, function: str, api: Any, client: Any, db: Any
) -> None:
    order = await api.create()
    others = [f for f in api.functions if f != function]
    response = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": target},
        headers=api.headers(functions=others),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "function_not_granted"
    assert function in response.json()["detail"]
    assert await db.steps(order["id"]) == 1


async def test_another_institution_cannot_move_or_review_the_order(
    api: Any, client: Any, db: Any
) -> None:
    order = await api.create()
    from_b = api.headers(org=api.org_b)
    for path, body in (
        ("transitions", {"to": "reconciled"}),
        ("reviews", {"rating": 1, "text": "差评"}),
    ):
        response = await client.post(f"/v1/orders/{order['id']}/{path}", json=body, headers=from_b)
        assert response.status_code == 404, path
        assert response.json()["code"] == "order_not_found"
    fresh = await api.get(order["id"])
    assert (fresh["status"], fresh["reviews"], len(fresh["trajectory"])) == ("created", [], 1)


async def test_concurrent_steps_on_one_order_leave_one_winner(api: Any, db: Any) -> None:
    order = await api.create()
    # Three clerks confirm the same statement at once: one step, two refusals, never a
    # duplicated trajectory row (row lock on PostgreSQL, version check on SQLite).
    responses = await asyncio.gather(*(api.move(order["id"], "reconciled") for _ in range(3)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409], [r.text for r in responses]
    for loser in (r.json()["code"] for r in responses if r.status_code == 409):
        assert loser in ("illegal_transition", "order_changed_concurrently")
    assert await db.steps(order["id"]) == 2
    assert len(await db.status_events(order["id"])) == 1


async def test_a_step_that_fails_midway_leaves_nothing_behind(
    api: Any, app: FastAPI, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await api.create()

    async def broken_outbox(*_: Any) -> None:
        # Fails after the status and the trajectory row were written in the transaction.
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(app.state.messaging.outbox, "add", broken_outbox)
    response = await api.move(order["id"], "reconciled")
    monkeypatch.undo()

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert (await db.order(order["id"])).status == "created"
    assert await db.steps(order["id"]) == 1


async def test_the_request_body_is_validated(api: Any, client: Any) -> None:
    order = await api.create()
    for body, field in (
        ({"to": "archived"}, "body.to"),
        ({"to": "reconciled", "note": "x" * 501}, "body.note"),
        ({"to": "reconciled", "by": "someone-else"}, "body.by"),
    ):
        response = await client.post(
            f"/v1/orders/{order['id']}/transitions", json=body, headers=api.headers()
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_the_trajectory_names_who_took_each_step(api: Any, finance: Any) -> None:
    """The gateway's token names the caller; each step taken through a request keeps that name
    beside the id, so people read 张三 where the id would mean nothing to them. A step that a
    finance event caused has no name (finance's events carry the actor's id only)."""
    created = await api.client.post(
        "/v1/orders", json=api.body(), headers=api.headers(subject="u-1", name="张三")
    )
    assert created.status_code == 201, created.text
    order = created.json()
    moved = await api.client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "reconciled"},
        headers=api.headers(subject="u-2", name="李四"),
    )
    assert moved.status_code == 200, moved.text
    await finance.deliver(finance.applied([(order["id"], "100.00")]))

    steps = (await api.get(order["id"]))["trajectory"]
    assert [(s["to_status"], s["by"], s["by_name"]) for s in steps] == [
        ("created", "u-1", "张三"),
        ("reconciled", "u-2", "李四"),
        ("invoice_applied", "fin-applicant", None),
    ]
