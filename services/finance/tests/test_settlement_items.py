"""Finance records each created order once, posting to the mapped ledger account."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from servicekit.clock import FixedClock
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import Money, OrderCategory, OrderCreatedV1, OrderDirection, new_event

ORG = uuid.uuid4()


def _order_created(category: OrderCategory = OrderCategory.risk_assessment, fen: int = 128050):
    order_id = uuid.uuid4()
    return new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id,
            order_no=f"OC20261125{uuid.uuid4().int % 10**6:06d}",
            category=category,
            direction=OrderDirection.receivable,
            customer_org_id=ORG,
            amount=Money.from_fen(fen),
            source_service="risk",
            source_ref=uuid.uuid4().hex,
            created_by="clerk",
        ),
        producer="orders",
        aggregate_id=order_id,
        org_id=ORG,
    )


async def _publish(bootstrap: str, *events: object) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                "orders.order",
                e.model_dump_json().encode(),
                key=e.aggregate_id.encode(),  # type: ignore[attr-defined]
            )
    finally:
        await producer.stop()


def _finance(issuer: TestTokenIssuer, org: uuid.UUID = ORG, *fns: str) -> dict[str, str]:
    functions = fns or ("finance.settlement.query", "finance.ledger.configure")
    return issuer.headers(entry="finance", functions=functions, org_id=org, subject="cashier-1")


def _operator(issuer: TestTokenIssuer) -> dict[str, str]:
    return issuer.headers(
        entry="finance",
        functions=("finance.settlement.query", "finance.ledger.configure"),
        org_id=uuid.uuid4(),
        subject="cashier-1",
        platform_operator=True,
    )


async def _wait_item(
    client: httpx.AsyncClient, order_id: object, headers: dict[str, str]
) -> httpx.Response:
    async with asyncio.timeout(20):
        while True:
            response = await client.get(f"/v1/settlement-items/{order_id}", headers=headers)
            if response.status_code == 200:
                return response
            await asyncio.sleep(0.1)


async def test_order_created_event_becomes_one_settlement_item(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer, kafka_bootstrap: str
) -> None:
    event = _order_created()
    # Delivered twice (as a relay retry would): recorded once.
    await _publish(kafka_bootstrap, event, event)
    item = (await _wait_item(client, event.payload.order_id, _finance(token_issuer))).json()
    assert item["amount"] == "1280.50"
    assert item["outstanding"] == "1280.50"
    assert item["account_code"] == "1122"
    assert item["direction"] == "receivable"

    other_org = await client.get(
        f"/v1/settlement-items/{event.payload.order_id}",
        headers=_finance(token_issuer, uuid.uuid4()),
    )
    assert other_org.status_code == 404
    assert other_org.json()["code"] == "settlement_item_not_found"


async def test_account_mapping_changes_record_who_and_apply_to_new_orders(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer, kafka_bootstrap: str
) -> None:
    # An institution's clerk, even one who may configure the ledger, cannot re-point the
    # mapping every institution's orders use; the platform's finance staff can.
    clerk = await client.put(
        "/v1/account-mappings/receivable/plate_call_fee",
        json={"account_code": "6001"},
        headers=_finance(token_issuer),
    )
    assert clerk.status_code == 403 and clerk.json()["code"] == "operators_only"
    put = await client.put(
        "/v1/account-mappings/receivable/plate_call_fee",
        json={"account_code": "112201"},
        headers=_operator(token_issuer),
    )
    assert put.status_code == 200, put.text
    assert put.json()["updated_by"] == "cashier-1"

    bad = await client.put(
        "/v1/account-mappings/receivable/plate_call_fee",
        json={"account_code": "12.5"},
        headers=_operator(token_issuer),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.account_code"

    no_right = await client.put(
        "/v1/account-mappings/receivable/plate_call_fee",
        json={"account_code": "1122"},
        headers=_finance(token_issuer, ORG, "finance.settlement.query"),
    )
    assert no_right.status_code == 403

    event = _order_created(OrderCategory.plate_call_fee, fen=300)
    await _publish(kafka_bootstrap, event)
    item = (await _wait_item(client, event.payload.order_id, _finance(token_issuer))).json()
    assert item["account_code"] == "112201"
    assert item["amount"] == "3.00"

    listed = await client.get("/v1/account-mappings", headers=_finance(token_issuer))
    codes = {(m["direction"], m["category"]): m["account_code"] for m in listed.json()}
    assert codes[("receivable", "plate_call_fee")] == "112201"
    assert codes[("payable", "merchant_payout")] == "2202"


async def test_the_consumer_records_at_the_apps_clock(
    app: Any, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, kafka_bootstrap: str
) -> None:
    # Handlers read the app's clock (as endpoints do), not the wall: a pinned instant years
    # away from any real "now" is what the item says it was recorded at.
    at = datetime(2031, 3, 1, 8, 15, tzinfo=UTC)
    app.state.clock = FixedClock(at)
    event = _order_created()
    await _publish(kafka_bootstrap, event)
    item = (await _wait_item(client, event.payload.order_id, _finance(token_issuer))).json()
    recorded = datetime.fromisoformat(item["recorded_at"])  # naive from SQLite: stored as UTC
    assert recorded.replace(tzinfo=recorded.tzinfo or UTC) == at
