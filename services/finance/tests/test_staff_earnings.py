"""自主提现 (flow 9): valueadd's `valueadd.staff_earning.accrued` puts a service staff member's
payable order on their balance, once — before or after finance has seen the order itself —
and the staff member withdraws it (no more than the balance). The API's credits, withdrawals
and their concurrency are test_payments.py's."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from finance.settlement.models import SettlementItem
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import (
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    StaffEarningAccruedV1,
    new_event,
    topic_for,
)


def load_support() -> ModuleType:
    name, path = "cash_support", Path(__file__).parent / "samples" / "cash_support.py"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


C = load_support()


def _earned(staff: str, org: uuid.UUID, fen: int, order_id: uuid.UUID, no: str) -> Any:
    return new_event(
        "valueadd.staff_earning.accrued",
        StaffEarningAccruedV1(
            staff_id=staff, staff_name="李四", order_id=order_id, order_no=no,
            category=OrderCategory.technical_service, customer_org_id=org,
            amount=Money.from_fen(fen), source_ref=f"tech-payout:TS-1:OC1:{staff}",
            contract_no="TS-1", service_order_no="OC20261120000001",
        ),
        producer="valueadd", aggregate_id=f"tech-payout:TS-1:OC1:{staff}", org_id=org,
    )  # fmt: skip


def _created(org: uuid.UUID, fen: int, order_id: uuid.UUID, no: str) -> Any:
    return new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id, order_no=no, category=OrderCategory.technical_service,
            direction=OrderDirection.payable, customer_org_id=org, amount=Money.from_fen(fen),
            source_service="valueadd", source_ref=uuid.uuid4().hex, created_by="valueadd",
        ),
        producer="orders", aggregate_id=order_id, org_id=org,
    )  # fmt: skip


async def _publish(bootstrap: str, *events: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                topic_for(e.event_type), e.model_dump_json().encode(),
                key=str(e.aggregate_id).encode(),
            )  # fmt: skip
    finally:
        await producer.stop()


async def _balance(
    client: httpx.AsyncClient, staff: str, me: dict[str, str], want: str
) -> dict[str, Any]:
    for _ in range(200):
        got = (await client.get(f"/v1/staff-balances/{staff}", headers=me)).json()
        if got.get("balance") == want:
            return got  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{staff}'s balance never reached {want}: {got}")


async def test_the_staff_earning_goes_on_the_balance_once_whichever_event_comes_first(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, kafka_bootstrap: str
) -> None:
    org, staff = uuid.uuid4(), f"staff-{uuid.uuid4().hex[:8]}"
    me = C.headers(token_issuer, subject=staff, operator=False, functions=())
    # (1) valueadd's event before the order center's: the item is recorded from it.
    early_id, early_no = uuid.uuid4(), C.order_no()
    earned = _earned(staff, org, 6_400, early_id, early_no)
    again = _earned(staff, org, 6_400, early_id, early_no)  # the same fact sent again
    await _publish(kafka_bootstrap, earned)
    await _balance(client, staff, me, "64.00")
    await _publish(kafka_bootstrap, _created(org, 6_400, early_id, early_no), earned, again)
    # (2) the order known first (as usual), then valueadd's event.
    late = await C.add_order(app, org, 2_000, direction="payable")
    await _publish(kafka_bootstrap, _earned(staff, org, 2_000, late.order_id, late.order_no))
    got = await _balance(client, staff, me, "84.00")
    assert sorted((c["order_no"], c["amount"]) for c in got["credits"]) == sorted(
        [(early_no, "64.00"), (late.order_no, "20.00")]
    )
    async with app.state.sessionmaker() as session:
        item = await session.get(SettlementItem, early_id)
        assert item is not None
        assert (item.direction, item.category, item.amount_fen) == (
            "payable", "technical_service", 6_400)  # fmt: skip
    # Another staff member's claim on an order already on a balance changes nothing.
    other = f"staff-{uuid.uuid4().hex[:8]}"
    await _publish(kafka_bootstrap, _earned(other, org, 2_000, late.order_id, late.order_no))
    marker = await C.add_order(app, org, 100, direction="payable")
    await _publish(kafka_bootstrap, _earned(other, org, 100, marker.order_id, marker.order_no))
    them = C.headers(token_issuer, subject=other, operator=False, functions=())
    assert [c["order_no"] for c in (await _balance(client, other, them, "1.00"))["credits"]] == [
        marker.order_no
    ]

    # The staff member withdraws: never above the balance.
    clerk = C.headers(token_issuer, subject="clerk-9")
    account = await C.bank_account(client, clerk)
    ask = {"amount": "84.01", "staff_name": "李四", "bank_account": "6217000011112222",
           "bank_name": "建设银行", "payer_bank_account": account}  # fmt: skip
    too_much = await client.post(f"/v1/staff-balances/{staff}/withdrawals", json=ask, headers=me)
    assert too_much.status_code == 422, too_much.text
    assert (too_much.json()["code"], too_much.json()["errors"][0]["field"]) == (
        "exceeds_balance", "body.amount")  # fmt: skip
    done = await client.post(f"/v1/staff-balances/{staff}/withdrawals",
                             json=ask | {"amount": "84.00"}, headers=me)  # fmt: skip
    assert done.status_code == 201, done.text
    assert (done.json()["origin"], done.json()["amount"]) == ("withdrawal", "84.00")
    assert (await client.get(f"/v1/staff-balances/{staff}", headers=me)).json()["balance"] == "0.00"
