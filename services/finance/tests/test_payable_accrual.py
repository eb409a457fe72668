"""Payables and cost accrue when a payable order is confirmed (对账确认), not when it is paid."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.settlement.accrual import PAYABLE_ACCRUAL, PAYABLE_ACCRUAL_CANCELLED
from finance.settlement.repository import SettlementRepository
from finance.settlement.service import SettlementService
from servicekit.clock import FixedClock
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import (
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
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
bank_account, request_body, approve_fully = C.bank_account, C.request_body, C.approve_fully
REPORTS = (*C.CASH_FUNCTIONS, "finance.report.query")
DAY = date(2026, 11, 26)  # the conftest's pinned clock, in Shanghai


def _changed(order_id: uuid.UUID, order_no: str, to: OrderStatus, src: OrderStatus) -> Any:
    return new_event(
        "orders.order.status_changed",
        OrderStatusChangedV1(
            order_id=order_id, order_no=order_no, from_status=src, to_status=to,
            changed_by="clerk-7",
        ),
        producer="orders",
        aggregate_id=order_id,
    )  # fmt: skip


async def _follow(app: FastAPI, clock: FixedClock, event: Any) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await SettlementService(SettlementRepository(session), clock).follow_status(event)


async def _confirm(app: FastAPI, clock: FixedClock, item: Any) -> None:
    await _follow(app, clock, _changed(item.order_id, item.order_no, OrderStatus.reconciled,
                                       OrderStatus.created))  # fmt: skip


async def _cancel(app: FastAPI, clock: FixedClock, item: Any) -> None:
    await _follow(app, clock, _changed(item.order_id, item.order_no, OrderStatus.cancelled,
                                       OrderStatus.reconciled))  # fmt: skip


def yuan(fen: int) -> str:
    return str(Money.from_fen(fen).amount)


def fen_of(text: str) -> int:
    return int(Decimal(text).scaleb(2))


async def _summary(
    client: httpx.AsyncClient, issuer: TestTokenIssuer, org: uuid.UUID | None
) -> dict[str, Any]:
    q = f"legal_entity=technology_company&date_from={DAY}&date_to={DAY}&by_customer=true"
    if org is not None:
        q += f"&customer_org_id={org}"
    response = await client.get(
        f"/v1/reports/summary?{q}", headers=C.headers(issuer, functions=REPORTS)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _pay(
    client: httpx.AsyncClient, issuer: TestTokenIssuer, account: str, item: Any, amount: str
) -> httpx.Response:
    clerk = C.headers(issuer, subject="clerk-1")
    created = await client.post(
        "/v1/payment-requests", json=request_body(account, [(item.order_id, amount)]),
        headers=clerk,
    )  # fmt: skip
    if created.status_code != 201:
        return created
    request = await approve_fully(client, issuer, created.json())
    return await client.post(
        f"/v1/payment-requests/{request['id']}/payment",
        json={"bank_reference": f"B{uuid.uuid4().hex[:12]}"},
        headers=C.headers(issuer, subject="cashier-9"),
    )


async def test_confirmation_accrues_once_and_payment_clears_it(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock
) -> None:
    org = uuid.uuid4()
    item = await C.add_order(app, org, 45_50, direction="payable")
    await _confirm(app, clock, item)
    await _confirm(app, clock, item)  # redelivered: accrued once
    assert await C.account_lines(app, PAYABLE_ACCRUAL, str(item.order_id)) == [
        ("6401", 4550, 0),
        ("2202", 0, 4550),
    ]
    total = (await _summary(client, token_issuer, org))["total"]
    assert (total["payable"], total["payable_balance"], total["cost"]) == (
        "45.50", "45.50", "45.50",
    )  # fmt: skip

    account = await bank_account(client, C.headers(token_issuer))
    paid = await _pay(client, token_issuer, account, item, "45.50")
    assert paid.status_code == 200, paid.text
    total = (await _summary(client, token_issuer, org))["total"]
    assert (total["payable_balance"], total["paid"], total["cost"], total["profit"]) == (
        "0.00", "45.50", "45.50", "-45.50",
    )  # fmt: skip


async def test_a_receivable_order_accrues_nothing(
    app: FastAPI, clock: FixedClock
) -> None:
    item = await C.add_order(app, uuid.uuid4(), 10_000)
    await _confirm(app, clock, item)
    assert await C.account_lines(app, PAYABLE_ACCRUAL, str(item.order_id)) == []


async def test_paid_before_confirmation_accrues_at_payment_never_below_zero(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock
) -> None:
    org = uuid.uuid4()
    item = await C.add_order(app, org, 30_000, direction="payable")
    account = await bank_account(client, C.headers(token_issuer))
    paid = await _pay(client, token_issuer, account, item, "300.00")
    assert paid.status_code == 200, paid.text
    await _confirm(app, clock, item)  # confirmed afterwards: already accrued
    total = (await _summary(client, token_issuer, org))["total"]
    assert (total["payable"], total["payable_balance"], total["cost"]) == (
        "300.00", "0.00", "300.00",
    )  # fmt: skip


async def test_cancelling_takes_back_what_is_unpaid_once(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock
) -> None:
    org = uuid.uuid4()
    item = await C.add_order(app, org, 50_000, direction="payable")
    await _confirm(app, clock, item)
    account = await bank_account(client, C.headers(token_issuer))
    assert (await _pay(client, token_issuer, account, item, "200.00")).status_code == 200
    await _cancel(app, clock, item)
    await _cancel(app, clock, item)
    assert await C.account_lines(app, PAYABLE_ACCRUAL_CANCELLED, str(item.order_id)) == [
        ("2202", 30_000, 0),
        ("6401", 0, 30_000),
    ]
    total = (await _summary(client, token_issuer, org))["total"]
    assert (total["payable_balance"], total["cost"]) == ("0.00", "200.00")

    never = await C.add_order(app, org, 9_900, direction="payable")
    await _cancel(app, clock, never)  # cancelled before anyone confirmed it: nothing to undo
    assert await C.account_lines(app, PAYABLE_ACCRUAL_CANCELLED, str(never.order_id)) == []


async def test_a_payable_accrued_in_one_entity_is_not_paid_from_another(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock
) -> None:
    item = await C.add_order(app, uuid.uuid4(), 12_000, direction="payable")
    await _confirm(app, clock, item)
    agency = await bank_account(client, C.headers(token_issuer), "agency_company")
    refused = await _pay(client, token_issuer, agency, item, "120.00")
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert (error["field"], error["code"]) == ("body.lines[0].order_id", "payer_other_legal_entity")
    assert await C.account_lines(app, "payment", str(item.order_id)) == []


_order = st.tuples(
    st.integers(1, 10**7),  # amount in fen
    st.booleans(),  # confirmed
    st.integers(0, 2),  # paid: nothing, a part, all
    st.booleans(),  # cancelled afterwards
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orders=st.lists(_order, min_size=1, max_size=5))
async def test_payable_balance_and_cost_follow_what_was_confirmed_paid_and_cancelled(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    clock: FixedClock,
    orders: list[tuple[int, bool, int, bool]],
) -> None:
    orgs = (uuid.uuid4(), uuid.uuid4())
    account = await bank_account(client, C.headers(token_issuer))
    owed, cost, paid_total = {o: 0 for o in orgs}, {o: 0 for o in orgs}, {o: 0 for o in orgs}
    for n, (fen, confirmed, paid, cancelled) in enumerate(orders):
        org = orgs[n % 2]
        item = await C.add_order(app, org, fen, direction="payable")
        if confirmed:
            await _confirm(app, clock, item)
        pay = {0: 0, 1: fen // 2, 2: fen}[paid]
        if pay:
            answer = await _pay(client, token_issuer, account, item, yuan(pay))
            assert answer.status_code == 200, answer.text
        if cancelled:
            await _cancel(app, clock, item)
        accrued = confirmed or pay > 0
        taken_back = fen - pay if accrued and cancelled else 0
        owed[org] += (fen if accrued else 0) - pay - taken_back
        cost[org] += (fen if accrued else 0) - taken_back
        paid_total[org] += pay
    for org in orgs:
        total = (await _summary(client, token_issuer, org))["total"]
        assert fen_of(total["payable_balance"]) == owed[org] >= 0  # never paid beyond owed
        assert fen_of(total["cost"]) == cost[org]
        assert fen_of(total["paid"]) == paid_total[org]
    report = await _summary(client, token_issuer, None)
    for key in ("payable", "payable_balance", "cost", "paid", "profit"):  # rows sum to the total
        assert sum(fen_of(r[key]) for r in report["rows"]) == fen_of(report["total"][key])


async def _publish(bootstrap: str, *events: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                "orders.order", e.model_dump_json().encode(), key=str(e.aggregate_id).encode()
            )
    finally:
        await producer.stop()


async def test_the_consumer_accrues_a_confirmed_payable_order_from_the_broker(
    app: FastAPI, kafka_bootstrap: str
) -> None:
    order_id, org = uuid.uuid4(), uuid.uuid4()
    number = C.order_no()
    created = new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id, order_no=number, category=OrderCategory.merchant_payout,
            direction=OrderDirection.payable, customer_org_id=org,
            amount=Money.from_fen(4_550), source_service="valueadd", source_ref="stmt-1",
            created_by="valueadd",
        ),
        producer="orders", aggregate_id=order_id, org_id=org,
    )  # fmt: skip
    confirmed = _changed(order_id, number, OrderStatus.reconciled, OrderStatus.created)
    await _publish(kafka_bootstrap, created, confirmed, confirmed)
    async with asyncio.timeout(20):
        while not (lines := await C.account_lines(app, PAYABLE_ACCRUAL, str(order_id))):
            await asyncio.sleep(0.1)
    assert lines == [("6401", 4550, 0), ("2202", 0, 4550)]
