"""对账 → payout order → coupons settled: statements through the API and the real broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from servicekit.db import unit_of_work
from shared_schemas import (
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
    topic_for,
)
from valueadd.coupons.repository import CouponRepository
from valueadd.coupons.schemas import PolicyFacts
from valueadd.coupons.service import CouponService

PERIOD = {"period_from": "2026-11-01", "period_to": "2026-11-30"}


async def _redeemed(client: httpx.AsyncClient, world: Any, count: int) -> list[str]:
    made = await client.post(
        "/v1/batches",
        json={
            "product_id": world.product["id"],
            "quantity": count,
            "holders": [{"customer_ref": f"S-{i}"} for i in range(count)],
        },
        headers=world.operator.headers,
    )
    page = await client.get(
        "/v1/coupons", params={"batch_id": made.json()["id"]}, headers=world.operator.headers
    )
    out = []
    for item in page.json()["items"]:
        answer = await client.post(
            "/v1/redemptions", json={"code": item["code"]}, headers=world.staff.headers
        )
        assert answer.status_code == 201, answer.text
        out.append(answer.json()["redemption_no"])
    return out


async def _insurer_redeemed(
    app: Any, client: httpx.AsyncClient, world: Any, clock: Any, billed: uuid.UUID
) -> str:
    insurer = f"CPIC{uuid.uuid4().hex[:4]}"
    rule = await client.post(
        "/v1/issue-rules",
        json={
            "insurer_code": insurer,
            "line": "car_compulsory",
            "product_id": world.product["id"],
            "quantity_per_policy": 1,
            "billed_org_id": str(billed),
        },
        headers=world.operator.headers,
    )
    assert rule.status_code == 201, rule.text
    policy_no = f"PDZA{uuid.uuid4().hex[:10]}"
    async for session in unit_of_work(app.state.sessionmaker):
        await CouponService(CouponRepository(session), clock).issue_for_policy(
            PolicyFacts(
                policy_id=str(uuid.uuid4()),
                policy_no=policy_no,
                insurer_code=insurer,
                line="car_compulsory",
                product_code="DZA",
                customer_ref="CUS-1",
                issued_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
            )
        )
    insurer_user = world.operator.__class__(world.operator.issuer, billed, "insurer-clerk")
    page = await client.get(
        "/v1/coupons", params={"policy_no": policy_no}, headers=insurer_user.headers
    )
    code = page.json()["items"][0]["code"]
    answer = await client.post("/v1/redemptions", json={"code": code}, headers=world.staff.headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["redemption_no"])


async def _outbox_payload(app: Any, ref: str) -> dict[str, Any]:
    async for session in unit_of_work(app.state.sessionmaker):
        body = await session.scalar(
            text("SELECT body FROM outbox_messages WHERE message_key = :k"), {"k": ref}
        )
    assert body is not None, ref
    return dict(json.loads(body)["payload"])


async def test_statement_confirm_dispute_payout_and_settlement(
    client: httpx.AsyncClient, world: Any, app: Any, clock: Any, kafka_bootstrap: str, caller: Any,
    order_center: Any,
) -> None:
    self_issued = await _redeemed(client, world, 3)
    billed = uuid.uuid4()
    insurer_line = await _insurer_redeemed(app, client, world, clock, billed)
    clock.advance(days=11)  # 2026-12-01: the month is over
    made = await client.post(
        "/v1/statements",
        json={"merchant_id": world.merchant["id"], **PERIOD},
        headers=world.operator.headers,
    )
    assert made.status_code == 201, made.text
    statement = made.json()
    assert statement["statement_no"].startswith("ST20261201")
    assert (statement["line_count"], statement["total"], statement["status"]) == (
        4,
        "114.00",
        "open",
    )
    sid = statement["id"]
    # The same period again: nothing left to state, and nothing written.
    again = await client.post(
        "/v1/statements",
        json={"merchant_id": world.merchant["id"], **PERIOD},
        headers=world.operator.headers,
    )
    assert (again.status_code, again.json()["code"]) == (422, "statement_empty")
    assert (
        len(
            (
                await client.get(
                    "/v1/statements",
                    params={"merchant_id": world.merchant["id"]},
                    headers=world.operator.headers,
                )
            ).json()
        )
        == 1
    )
    # Another merchant sees nothing of it and cannot reconcile it.
    other = caller()
    assert (await client.get(f"/v1/statements/{sid}", headers=other.headers)).status_code == 404
    assert (await client.get("/v1/statements", headers=other.headers)).json() == []
    assert (
        await client.post(f"/v1/statements/{sid}/confirm", headers=other.headers)
    ).status_code == 404
    # The merchant disputes one line and confirms the rest.
    disputed = self_issued[0]
    answer = await client.post(
        f"/v1/statements/{sid}/lines/{disputed}/dispute",
        json={"reason": "未见到车辆"},
        headers=world.merchant_admin.headers,
    )
    assert answer.status_code == 200, answer.text
    bad = await client.post(
        f"/v1/statements/{sid}/lines/{disputed}/dispute",
        json={"reason": ""},
        headers=world.merchant_admin.headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.reason"
    confirmed = await client.post(
        f"/v1/statements/{sid}/confirm", headers=world.merchant_admin.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["status"], body["confirmed_total"]) == ("confirmed", "85.50")
    assert {ln["redemption_no"]: ln["status"] for ln in body["lines"]}[disputed] == "disputed"
    late = await client.post(
        f"/v1/statements/{sid}/lines/{self_issued[1]}/dispute",
        json={"reason": "晚了"},
        headers=world.merchant_admin.headers,
    )
    assert (late.status_code, late.json()["code"]) == (409, "statement_not_open")
    payout = await _outbox_payload(app, f"coupon-statement:{statement['statement_no']}")
    assert (payout["category"], payout["direction"], payout["amount"]["amount"]) == (
        "merchant_payout",
        "payable",
        "85.50",
    )
    assert payout["customer_org_id"] == world.merchant["org_id"]
    assert [(ln["quantity"], ln["unit_price"]["amount"]) for ln in payout["lines"]] == [
        ("3", "28.50")
    ]
    settlement = await _outbox_payload(
        app, f"coupon-settlement:{statement['statement_no']}:{billed}"
    )
    assert (settlement["category"], settlement["direction"], settlement["amount"]["amount"]) == (
        "value_added_settlement",
        "receivable",
        "45.00",
    )
    assert settlement["customer_org_id"] == str(billed)
    # The order center takes both requests as they are.
    no = statement["statement_no"]
    assert await order_center(f"coupon-statement:{no}") == {f"coupon-statement:{no}": None}
    assert await order_center(f"coupon-settlement:{no}:") == {
        f"coupon-settlement:{no}:{billed}": None}  # fmt: skip
    # The disputed redemption is free for the next statement.
    nxt = await client.post(
        "/v1/statements",
        json={"merchant_id": world.merchant["id"], **PERIOD},
        headers=world.operator.headers,
    )
    assert nxt.status_code == 201 and [ln["redemption_no"] for ln in nxt.json()["lines"]] == [
        disputed
    ]

    # The order center creates the payout and finance's payment settles it.
    order_id = uuid.uuid4()
    events = [
        new_event(
            "orders.order.created",
            OrderCreatedV1(
                order_id=order_id,
                order_no="OC20261201000007",
                category=OrderCategory.merchant_payout,
                direction=OrderDirection.payable,
                customer_org_id=uuid.UUID(world.merchant["org_id"]),
                amount=Money(amount=Decimal("85.50")),
                source_service="valueadd",
                source_ref=f"coupon-statement:{statement['statement_no']}",
                created_by="orders",
            ),
            producer="orders",
            aggregate_id=order_id,
        ),
        new_event(
            "orders.order.status_changed",
            OrderStatusChangedV1(
                order_id=order_id,
                order_no="OC20261201000007",
                from_status=OrderStatus.created,
                to_status=OrderStatus.settled,
                changed_by="finance",
            ),
            producer="orders",
            aggregate_id=order_id,
        ),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                topic_for(event.event_type),
                event.model_dump_json().encode(),
                key=str(order_id).encode(),
            )
    finally:
        await producer.stop()
    for _ in range(200):
        got = (
            await client.get(f"/v1/statements/{sid}", headers=world.merchant_admin.headers)
        ).json()
        if got["status"] == "paid":
            break
        await asyncio.sleep(0.05)
    assert (got["status"], got["payout_order_no"]) == ("paid", "OC20261201000007")
    states = {}
    for no in [*self_issued, insurer_line]:
        page = await client.get(
            "/v1/redemptions", params={"code": no[2:]}, headers=world.merchant_admin.headers
        )
        code = page.json()["items"][0]["coupon_code"]
        states[no] = (
            await client.get(f"/v1/coupons/{code}", headers=world.operator.headers)
        ).json()
    assert states[disputed]["status"] == "redeemed"
    for no in [*self_issued[1:], insurer_line]:
        assert states[no]["status"] == "settled"
        assert states[no]["trail"][-1]["note"] == f"对账单 {statement['statement_no']} 已付款"


async def test_statement_input_is_checked(client: httpx.AsyncClient, world: Any) -> None:
    reversed_period = await client.post(
        "/v1/statements",
        json={
            "merchant_id": world.merchant["id"],
            "period_from": "2026-11-30",
            "period_to": "2026-11-01",
        },
        headers=world.operator.headers,
    )
    assert reversed_period.status_code == 422
    assert reversed_period.json()["errors"][0]["field"] == "body.period_to"
    unknown = await client.post(
        "/v1/statements",
        json={"merchant_id": str(uuid.uuid4()), **PERIOD},
        headers=world.operator.headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "merchant_not_found")
