"""其他技术服务: contracts with payees, rates and payout mode (versioned); an imported service
order the contract covers asks, when settled, for one payable order per payee — in payment-
record mode (flow 8) and in self-withdrawal mode (flow 9) — once, however often the order
center's events arrive."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from servicekit.db import unit_of_work
from shared_schemas import (
    EventEnvelope,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
    topic_for,
)

FUNCTIONS = ("valueadd.tech_service.query", "valueadd.tech_service.contract")


def _contract(customer: uuid.UUID, source: str, mode: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contract_no": f"TS-{uuid.uuid4().hex[:8].upper()}", "customer_org_id": str(customer),
        "customer_name": "人保财险上海分公司", "service_type": "tpa", "order_source": source,
        "payout_mode": mode, "effective_from": "2026-11-01",
        "payees": [
            {"kind": "service_staff", "subject": "staff-li", "name": "李四", "share": "0.05"},
            {"kind": "service_staff", "subject": "staff-zhao", "name": "赵六",
             "fixed_amount": "20.00"},
        ],
    }  # fmt: skip
    body.update(over)
    return body


def _events(
    customer: uuid.UUID, source: str, amount: str, *, sign: date | None = date(2026, 11, 15)
) -> tuple[uuid.UUID, str, list[EventEnvelope[Any]]]:
    order_id = uuid.uuid4()
    no = f"OC2026112{uuid.uuid4().int % 10**7:07d}"
    created = new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id, order_no=no, category=OrderCategory.technical_service,
            direction=OrderDirection.receivable, customer_org_id=customer,
            amount=Money(amount=Decimal(amount)), source_service=source,
            source_ref=f"{source}-0001", sign_date=sign, created_by="importer",
        ),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip

    def moved(a: OrderStatus, b: OrderStatus) -> EventEnvelope[Any]:
        return new_event(
            "orders.order.status_changed",
            OrderStatusChangedV1(order_id=order_id, order_no=no, from_status=a, to_status=b,
                                 changed_by="finance"),
            producer="orders", aggregate_id=order_id,
        )  # fmt: skip

    settled = moved(OrderStatus.invoiced, OrderStatus.settled)
    # The settled event delivered twice (same event id), then the order closes.
    return order_id, no, [created, settled, settled, moved(OrderStatus.settled, OrderStatus.closed)]


async def _send(kafka_bootstrap: str, events: list[EventEnvelope[Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                topic_for(event.event_type), event.model_dump_json().encode(),
                key=str(event.aggregate_id).encode(),
            )  # fmt: skip
    finally:
        await producer.stop()


async def _requests(app: Any, prefix: str) -> list[dict[str, Any]]:
    async for session in unit_of_work(app.state.sessionmaker):
        rows = (await session.execute(
            text("SELECT event_type, body FROM outbox_messages WHERE message_key LIKE :k "
                 "ORDER BY message_key"), {"k": f"{prefix}%"})).all()  # fmt: skip
    return [{"type": t, **json.loads(b)["payload"]} for t, b in rows]


def _payable_created(request: dict[str, Any], no: str) -> EventEnvelope[Any]:
    order_id = uuid.uuid4()
    return new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id, order_no=no, category=OrderCategory(request["category"]),
            direction=OrderDirection.payable, customer_org_id=uuid.UUID(request["customer_org_id"]),
            amount=Money(amount=Decimal(request["amount"]["amount"])), source_service="valueadd",
            source_ref=request["source_ref"], created_by="valueadd",
        ),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip


async def _service_order(
    client: Any, who: Any, no: str, status: str, also: Any = lambda o: True
) -> dict[str, Any]:
    for _ in range(200):
        got = (await client.get("/v1/tech-service-orders", headers=who.headers)).json()
        mine = [o for o in got if o["order_no"] == no]
        if mine and mine[0]["status"] == status and also(mine[0]):
            return mine[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"service order {no} never reached {status}")


async def test_contracts_are_versioned_and_scoped(client: Any, caller: Any, clock: Any) -> None:
    a, b = caller(functions=FUNCTIONS), caller(functions=FUNCTIONS)
    customer = uuid.uuid4()
    body = _contract(customer, f"tpa-{uuid.uuid4().hex[:6]}", "payment_records")
    first = await client.post("/v1/tech-contracts", json=body, headers=a.headers)
    assert first.status_code == 201, first.text
    c = first.json()
    assert (c["version"], c["created_by"], c["created_at"]) == (
        1, a.subject, "2026-11-20T02:00:00Z")  # fmt: skip
    assert [(p["rate_kind"], p["share"], p["fixed_amount"]) for p in c["payees"]] == [
        ("share", "0.0500", None), ("fixed", None, "20.00")]  # fmt: skip
    second = await client.post(
        "/v1/tech-contracts",
        json={**body, "payout_mode": "self_withdrawal", "effective_from": "2026-12-01"},
        headers=a.headers,
    )
    assert second.status_code == 201 and second.json()["version"] == 2, second.text
    listed = (await client.get("/v1/tech-contracts", headers=a.headers)).json()
    assert [(x["version"], x["payout_mode"]) for x in listed] == [
        (1, "payment_records"), (2, "self_withdrawal")]  # fmt: skip
    # B sees none of A's contracts.
    assert (await client.get("/v1/tech-contracts", headers=b.headers)).json() == []
    other = await client.get(f"/v1/tech-contracts/{c['id']}", headers=b.headers)
    assert (other.status_code, other.json()["code"]) == (404, "tech_contract_not_found")
    assert (await client.get("/v1/tech-service-orders", headers=b.headers)).json() == []
    # The customer's orders from that source are one contract's: another contract_no is refused.
    taken = await client.post("/v1/tech-contracts",
                              json={**body, "contract_no": "TS-OTHER"}, headers=b.headers)  # fmt: skip
    assert (taken.status_code, taken.json()["code"]) == (409, "tech_order_source_taken")
    # Without the function: 403.
    reader = caller(functions=("valueadd.tech_service.query",))
    assert (await client.post("/v1/tech-contracts", json=_contract(
        uuid.uuid4(), "x", "payment_records"), headers=reader.headers)).status_code == 403  # fmt: skip


async def test_bad_contracts_name_the_field(client: Any, caller: Any, clock: Any) -> None:
    a = caller(functions=FUNCTIONS)
    staff = {"kind": "service_staff", "subject": "s1", "name": "李四"}
    cases = [
        ({"payees": [staff]}, "body.payees.0.share", "payee_rate_required"),
        ({"payees": [{**staff, "share": "0.1", "fixed_amount": "1.00"}]},
         "body.payees.0.share", "payee_rate_required"),
        ({"payees": [{**staff, "share": "0.6"}, {**staff, "subject": "s2", "share": "0.5"}]},
         "body.payees", "payee_shares_exceed_order"),
        ({"payees": [{**staff, "share": "0.1"}, {**staff, "share": "0.1"}]},
         "body.payees.1.subject", "payee_listed_twice"),
        ({"payout_mode": "self_withdrawal",
          "payees": [{**staff, "share": "0.1"}, {**staff, "kind": "promoter", "subject": "p",
                                                  "fixed_amount": "5.00"}]},
         "body.payees.1.kind", "payee_kind_not_withdrawing"),
        ({"payees": [{**staff, "share": 0.1}]}, "body.payees.0.share", None),
        ({"payees": [{**staff, "share": "0.00001"}]}, "body.payees.0.share", None),
        ({"service_type": "tv"}, "body.service_type", None),
        ({"payout_mode": "cash"}, "body.payout_mode", None),
        ({"payees": []}, "body.payees", None),
        ({"contract_no": "合同 1"}, "body.contract_no", None),
    ]  # fmt: skip
    for over, field, code in cases:
        r = await client.post("/v1/tech-contracts",
                              json=_contract(uuid.uuid4(), "src", "payment_records", **over),
                              headers=a.headers)  # fmt: skip
        assert r.status_code == 422, (over, r.text)
        errors = r.json()["errors"]
        assert errors[0]["field"] == field, (over, errors)
        if code:
            assert r.json()["code"] == code
    assert (await client.get("/v1/tech-contracts", headers=a.headers)).json() == []
    # A new version keeps the customer.
    body = _contract(uuid.uuid4(), "src-fixed", "payment_records")
    assert (
        await client.post("/v1/tech-contracts", json=body, headers=a.headers)
    ).status_code == 201
    moved = await client.post("/v1/tech-contracts",
                              json={**body, "customer_org_id": str(uuid.uuid4())},
                              headers=a.headers)  # fmt: skip
    assert (moved.status_code, moved.json()["errors"][0]["field"]) == (
        422, "body.customer_org_id")  # fmt: skip


async def test_payment_records_vs_self_withdrawal_on_the_same_order(
    app: Any, client: Any, caller: Any, clock: Any, kafka_bootstrap: str, order_center: Any
) -> None:
    """The same payees and the same ¥1,280.00 order under each mode: one payable order per
    payee (5 % → 64.00, fixed 20.00), asked once although settled arrives twice and closed
    follows; a promoter's is a promoter_payout order."""
    a = caller(functions=FUNCTIONS)
    results = {}
    for mode in ("payment_records", "self_withdrawal"):
        customer, source = uuid.uuid4(), f"tpa-{uuid.uuid4().hex[:6]}"
        made = await client.post("/v1/tech-contracts", json=_contract(customer, source, mode),
                                 headers=a.headers)  # fmt: skip
        assert made.status_code == 201, made.text
        contract_no = made.json()["contract_no"]
        _order_id, no, events = _events(customer, source, "1280.00")
        await _send(kafka_bootstrap, events)
        order = await _service_order(client, a, no, "closed")
        assert order["payouts_requested_at"] is not None
        requests = await _requests(app, f"tech-payout:{contract_no}:{no}:")
        assert [(r["type"], r["category"], r["direction"], r["amount"]["amount"],
                 r["counterparty"], r["customer_org_id"]) for r in requests] == [
            ("valueadd.order_request.submitted", "technical_service", "payable", "64.00",
             {"kind": "person", "id": "staff-li", "name": "李四"}, str(a.org_id)),
            ("valueadd.order_request.submitted", "technical_service", "payable", "20.00",
             {"kind": "person", "id": "staff-zhao", "name": "赵六"}, str(a.org_id)),
        ]  # fmt: skip
        assert [r["source_ref"] for r in requests] == [
            f"tech-payout:{contract_no}:{no}:staff-li", f"tech-payout:{contract_no}:{no}:staff-zhao"]  # fmt: skip
        assert [(p["payout_mode"], p["amount"]) for p in order["payouts"]] == [
            (mode, "64.00"), (mode, "20.00")]  # fmt: skip
        # The order center takes both payable requests as they are.
        assert await order_center(f"tech-payout:{contract_no}:{no}:") == {
            r["source_ref"]: None for r in requests}  # fmt: skip
        # The order center makes the payable orders (the first announced twice).
        made_events = [_payable_created(r, f"OC2026112{i}{uuid.uuid4().int % 10**6:06d}")
                       for i, r in enumerate(requests)]  # fmt: skip
        await _send(kafka_bootstrap, [made_events[0], made_events[0], made_events[1]])
        # Linked and (self-withdrawal) credited: two steps, so wait for both before reading.
        order = await _service_order(client, a, no, "closed", lambda o, m=mode: all(
            p["center_order_no"] and (m != "self_withdrawal" or p["credited_at"])
            for p in o["payouts"]))  # fmt: skip
        sent = [r for r in await _requests(app, f"tech-payout:{contract_no}:{no}:")
                if r["type"] == "valueadd.staff_earning.accrued"]  # fmt: skip
        results[mode] = sent
        if mode == "payment_records":
            assert sent == [] and all(p["credited_at"] is None for p in order["payouts"])
            continue
        # Self-withdrawal: each payable order goes on the staff member's balance in finance.
        assert [(e["staff_id"], e["staff_name"], e["order_no"], e["category"], e["amount"]["amount"],
                 e["contract_no"], e["service_order_no"], e["customer_org_id"]) for e in sent] == [
            ("staff-li", "李四", made_events[0].payload.order_no, "technical_service", "64.00",
             contract_no, no, str(a.org_id)),
            ("staff-zhao", "赵六", made_events[1].payload.order_no, "technical_service", "20.00",
             contract_no, no, str(a.org_id)),
        ]  # fmt: skip
        assert [p["credited_at"] for p in order["payouts"]] == ["2026-11-20T02:00:00Z"] * 2
    assert set(results) == {"payment_records", "self_withdrawal"}

    # A promoter in payment-record mode gets a promoter_payout order.
    customer, source = uuid.uuid4(), f"ad-{uuid.uuid4().hex[:6]}"
    promo = _contract(customer, source, "payment_records", service_type="advertising",
                      payees=[{"kind": "promoter", "subject": "p-wang", "name": "王强",
                               "share": "0.1"}])  # fmt: skip
    assert (
        await client.post("/v1/tech-contracts", json=promo, headers=a.headers)
    ).status_code == 201
    _, no, events = _events(customer, source, "99.99")
    await _send(kafka_bootstrap, events[:2])
    await _service_order(client, a, no, "settled")
    (request,) = await _requests(app, f"tech-payout:{promo['contract_no']}:{no}:")
    assert (request["category"], request["amount"]["amount"]) == ("promoter_payout", "10.00")
    assert await order_center(request["source_ref"]) == {request["source_ref"]: None}
    assert request["lines"][0]["description"] == f"广告服务费 {no}（10.00%）"


async def test_orders_no_contract_covers_are_left_alone(
    app: Any, client: Any, caller: Any, clock: Any, kafka_bootstrap: str
) -> None:
    a = caller(functions=FUNCTIONS)
    customer, source = uuid.uuid4(), f"tpa-{uuid.uuid4().hex[:6]}"
    body = _contract(customer, source, "payment_records", effective_from="2026-11-16")
    assert (
        await client.post("/v1/tech-contracts", json=body, headers=a.headers)
    ).status_code == 201
    # Signed the day before the contract took effect; another source; then one it covers.
    _, early, before = _events(customer, source, "100.00", sign=date(2026, 11, 15))
    _, foreign, elsewhere = _events(customer, "other-src", "100.00")
    _, covered, events = _events(customer, source, "100.00", sign=date(2026, 11, 16))
    await _send(kafka_bootstrap, before[:2] + elsewhere[:2] + events[:2])
    await _service_order(client, a, covered, "settled")
    nos = [o["order_no"] for o in (await client.get("/v1/tech-service-orders",
                                                    headers=a.headers)).json()]  # fmt: skip
    assert nos == [covered]
    assert await _requests(app, f"tech-payout:{body['contract_no']}:{early}") == []
    assert await _requests(app, f"tech-payout:{body['contract_no']}:{foreign}") == []
