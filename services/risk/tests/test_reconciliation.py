"""Reconciliation with the insurer through to the promoters' payouts, with the order center's
answers arriving over the real broker: a batch is billed once, only accepted assessments are
billed, and the promoters' fee is split in exact fen by the explicit shares."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from risk.main import definition
from risk.reconciliation.split import split_fen
from servicekit.clock import FixedClock
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

Headers = Callable[..., dict[str, str]]
Body = Callable[..., dict[str, Any]]
Publish = Callable[..., Awaitable[dict[str, Any]]]


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    cuts=st.lists(st.integers(min_value=1, max_value=9_999), max_size=6, unique=True),
)
def test_split_loses_and_doubles_no_fen(amount: int, cuts: list[int]) -> None:
    points = [0, *sorted(cuts), 10_000]
    shares = [b - a for a, b in itertools.pairwise(points)]
    parts = split_fen(amount, shares)
    assert sum(parts) == amount
    for part, share in zip(parts, shares, strict=True):
        assert amount * share // 10_000 <= part <= amount * share // 10_000 + 1


async def _outbox(app: FastAPI, source_ref_prefix: str) -> list[dict[str, Any]]:
    table = definition.messaging_tables.outbox
    async for session in unit_of_work(app.state.sessionmaker):
        rows = (await session.execute(
            select(table.c.body).where(table.c.event_type == "risk.order_request.submitted")
            .where(table.c.message_key.startswith(source_ref_prefix))
            .order_by(table.c.id)
        )).scalars().all()  # fmt: skip
    return [json.loads(r)["payload"] for r in rows]


async def _send(kafka: str, *events: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                topic_for(e.event_type), e.model_dump_json().encode(), key=e.aggregate_id.encode()
            )
    finally:
        await producer.stop()


async def _until(client: httpx.AsyncClient, path: str, h: dict[str, str], check: Any) -> Any:
    for _ in range(300):
        seen = (await client.get(path, headers=h)).json()
        if check(seen):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never got there: {seen}")


def _created(order_id: uuid.UUID, no: str, ref: str, org: uuid.UUID, fen: int,
             category: OrderCategory, direction: OrderDirection) -> Any:  # fmt: skip
    return new_event(
        "orders.order.created",
        OrderCreatedV1(order_id=order_id, order_no=no, category=category, direction=direction,
                       customer_org_id=org, amount=Money.from_fen(fen), source_service="risk",
                       source_ref=ref, created_by="orders"),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip


def _settled(order_id: uuid.UUID, no: str) -> Any:
    return new_event(
        "orders.order.status_changed",
        OrderStatusChangedV1(order_id=order_id, order_no=no, from_status=OrderStatus.invoiced,
                             to_status=OrderStatus.settled, changed_by="finance"),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip


async def test_statement_to_order_to_payouts(
    client: httpx.AsyncClient, app: FastAPI, clock: FixedClock, headers: Headers,
    org_a: uuid.UUID, org_b: uuid.UUID, publish: Publish, body: Body, vins: tuple[str, ...],
    kafka_bootstrap: str,
) -> None:  # fmt: skip
    await publish()
    h = headers(org_a)
    three = [
        {"subject": "promoter-1", "name": "张三", "share": "33.33"},
        {"subject": "promoter-2", "name": "李四", "share": "33.33"},
        {"subject": "promoter-3", "name": "王五", "share": "33.34"},
    ]
    made = []
    for vin, payees in ((vins[0], three), (vins[1], None), (vins[2], None)):
        b = body(vin) if payees is None else body(vin, payees=payees)
        r = (await client.post("/v1/requests", json=b, headers=h)).json()
        await client.post(f"/v1/requests/{r['id']}/payees/confirm", headers=h)
        made.append(r)
    declined = (await client.post(
        "/v1/requests", json=body(vins[0], inspection__document__flood_traces=True), headers=h
    )).json()  # fmt: skip
    assert declined["status"] == "declined"

    batch_body = {"insurer_code": "PICC", "period_from": "2026-10-01", "period_to": "2026-10-31",
                  "unit_fee": "300.00", "promoter_fee": "100.00"}  # fmt: skip
    bad = await client.post("/v1/reconciliations", json={**batch_body, "unit_fee": 300.0},
                            headers=h)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.unit_fee"
    created = await client.post("/v1/reconciliations", json=batch_body, headers=h)
    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["batch_no"].startswith("DZ20261015") and batch["status_label"] == "对账中"
    assert sorted(i["request_no"] for i in batch["items"]) == sorted(r["request_no"] for r in made)
    again = await client.post("/v1/reconciliations", json=batch_body, headers=h)
    assert again.status_code == 422 and again.json()["code"] == "nothing_to_reconcile"
    assert (await client.get(f"/v1/reconciliations/{batch['id']}",
                             headers=headers(org_b))).status_code == 404  # fmt: skip
    assert (await client.get("/v1/reconciliations", headers=headers(org_b))).json() == []

    items = {i["request_no"]: i for i in batch["items"]}
    first, second, third = (items[r["request_no"]] for r in made)
    statement = ("评估编号,车架号,结果,备注\n"
                 f"{first['assessment_no']},,通过,\n"
                 f",{second['vin']},争议,车损待核\n"
                 f"{third['assessment_no']},,拒绝,非本期\n"
                 "PG000-01,,通过,\n").encode()  # fmt: skip
    files = {"file": ("statement.csv", statement, "text/csv")}
    report = await client.post(f"/v1/reconciliations/{batch['id']}/statement", files=files,
                               headers=h)  # fmt: skip
    assert report.status_code == 200, report.text
    r = report.json()
    assert (r["matched"], r["accepted"], r["disputed"], r["rejected"]) == (3, 1, 1, 1)
    assert [(u["row"], u["reason"]) for u in r["unmatched"]] == [(5, "批次中无此评估")]
    early = await client.post(f"/v1/reconciliations/{batch['id']}/confirm", headers=h)
    assert early.status_code == 409 and early.json()["code"] == "items_undecided"
    settled_dispute = await client.put(
        f"/v1/reconciliations/{batch['id']}/items/{second['id']}",
        json={"result": "accepted", "note": "复核后确认"}, headers=h,
    )  # fmt: skip
    assert settled_dispute.status_code == 200

    confirmed = await client.post(f"/v1/reconciliations/{batch['id']}/confirm", headers=h)
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["amount"]) == ("confirmed", "600.00")
    twice = await client.post(f"/v1/reconciliations/{batch['id']}/confirm", headers=h)
    assert twice.status_code == 409
    [order_request] = await _outbox(app, f"batch:{batch['id']}")
    assert (order_request["category"], order_request["direction"]) == (
        "risk_assessment", "receivable",
    )  # fmt: skip
    assert order_request["amount"]["amount"] == "600.00"
    assert sorted(line["ref"] for line in order_request["lines"]) == sorted(
        [first["assessment_no"], second["assessment_no"]]
    )  # rejected third is not billed
    assert order_request["source_no"] == batch["batch_no"]

    order_id = uuid.uuid4()
    ref = f"batch:{batch['id']}"
    created_event = _created(
        order_id,
        "OC20261015000001",
        ref,
        org_a,
        60_000,
        OrderCategory.risk_assessment,
        OrderDirection.receivable,
    )
    await _send(
        kafka_bootstrap, created_event, created_event, _settled(order_id, "OC20261015000001")
    )
    path = f"/v1/reconciliations/{batch['id']}"
    done = await _until(client, path, h, lambda b: b["status"] == "payouts_requested")
    assert done["order_no"] == "OC20261015000001" and done["order_status"] == "settled"
    billed = (await client.get(f"/v1/requests/{made[0]['id']}", headers=h)).json()
    assert [s["to_status"] for s in billed["trajectory"]][-3:] == ["accepted", "billed", "settled"]
    assert (await client.get(f"/v1/requests/{made[2]['id']}", headers=h)).json()["status"] == (
        "rejected"
    )

    # 100.00 for each accepted request: the first split 33.33/33.33/33.34 → 33.33/33.33/33.34,
    # the second all to its one promoter (the body's default two payees 60/40).
    payouts = {p["subject"]: p for p in done["payouts"]}
    amounts = {s: Decimal(p["amount"]) for s, p in payouts.items()}
    assert sum(amounts.values()) == Decimal("200.00")
    assert amounts == {"promoter-1": Decimal("93.33"), "promoter-2": Decimal("73.33"),
                       "promoter-3": Decimal("33.34")}  # fmt: skip
    requested = await _outbox(app, "payout:")
    mine = [p for p in requested if p["customer_org_id"] == str(org_a)]
    assert len(mine) == 3
    assert {p["counterparty"]["id"] for p in mine} == set(amounts)
    assert all(p["category"] == "promoter_payout" and p["direction"] == "payable" for p in mine)

    p1 = next(p for p in mine if p["counterparty"]["id"] == "promoter-1")
    payout_order = uuid.uuid4()
    await _send(kafka_bootstrap,
                _created(payout_order, "OC20261015000002", p1["source_ref"], org_a, 9_333,
                         OrderCategory.promoter_payout, OrderDirection.payable),
                _settled(payout_order, "OC20261015000002"))  # fmt: skip
    paid = await _until(
        client,
        path,
        h,
        lambda b: any(p["subject"] == "promoter-1" and p["status"] == "paid" for p in b["payouts"]),
    )
    assert [p["status"] for p in paid["payouts"]] == ["paid", "requested", "requested"]
    # A repeated settlement changes nothing: still three payout requests, the batch billed once.
    await _send(kafka_bootstrap, _settled(order_id, "OC20261015000001"))
    await asyncio.sleep(0.5)
    assert len([p for p in await _outbox(app, "payout:")
                if p["customer_org_id"] == str(org_a)]) == 3  # fmt: skip
    assert len(await _outbox(app, f"batch:{batch['id']}")) == 1


async def test_unconfirmed_split_blocks_the_bill(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    publish: Publish, body: Body,
) -> None:  # fmt: skip
    await publish()
    h = headers(org_a)
    r = (await client.post("/v1/requests", json=body(), headers=h)).json()
    batch = (await client.post("/v1/reconciliations", json={
        "insurer_code": "PICC", "period_from": "2026-10-15", "period_to": "2026-10-15",
        "unit_fee": "300.00", "promoter_fee": "50.00"}, headers=h)).json()  # fmt: skip
    [item] = batch["items"]
    await client.put(f"/v1/reconciliations/{batch['id']}/items/{item['id']}",
                     json={"result": "accepted"}, headers=h)  # fmt: skip
    refused = await client.post(f"/v1/reconciliations/{batch['id']}/confirm", headers=h)
    assert refused.status_code == 409 and refused.json()["code"] == "payees_unconfirmed"
    assert r["request_no"] in refused.json()["detail"]
    bad_file = {"file": ("s.csv", "评估编号,结果\nX-01,也许\n".encode(), "text/csv")}
    rejected = await client.post(f"/v1/reconciliations/{batch['id']}/statement", files=bad_file,
                                 headers=h)  # fmt: skip
    assert rejected.status_code == 422 and rejected.json()["code"] == "statement_rejected"
    assert rejected.json()["errors"][0]["field"] == "row 2: result"
