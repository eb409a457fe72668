"""Over the real broker: every status change goes out on finance.invoice in a form the order
center's consumer takes, and a settlement list becomes one invoice application."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from orders.subscriptions import subscriptions as orders_subscriptions
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import (
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceReversedV1,
    Money,
    OrderCategory,
    SettlementListCreatedV1,
    new_event,
    registry,
)


async def test_issued_and_reversed_invoices_are_published_for_the_order_center(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    kafka_bootstrap: str,
    books: Any,
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    one, two = await books.record_orders(app, org, 30_000, 12_345)
    applied = (
        await client.post(
            "/v1/invoices/applications",
            json=books.application_body([(one, "300.00"), (two, "123.45")]),
            headers=h,
        )
    ).json()
    issued = (
        await client.post(
            f"/v1/invoices/applications/{applied['id']}/issue",
            json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-25"},
            headers=h,
        )
    ).json()
    blue = issued["invoices"][0]
    red = (
        await client.post(
            f"/v1/invoices/{blue['id']}/red-letters",
            json={
                "red_invoice_no": books.invoice_no(),
                "issue_date": "2026-11-26",
                "reason": "service_terminated",
                "orders": [{"order_id": two, "amount": "23.45"}],
            },
            headers=h,
        )
    ).json()

    found = await books.read_topic(
        kafka_bootstrap, "finance.invoice", lambda e: e["aggregate_id"] == applied["id"], want=3
    )
    events = [registry.parse(raw) for raw, _ in found]  # exactly what orders' consumer parses
    assert [e.event_type for e in events] == [
        "finance.invoice.applied",
        "finance.invoice.issued",
        "finance.invoice.reversed",
    ]
    for e in events:
        assert orders_subscriptions.subscribed("finance.invoice", e.event_type)
        assert e.producer == "finance" and e.org_id == org
    applied_ev, issued_ev, reversed_ev = (e.payload for e in events)
    assert isinstance(applied_ev, InvoiceAppliedV1) and applied_ev.applied_by == "invoicer-1"
    assert isinstance(issued_ev, InvoiceIssuedV1)
    assert issued_ev.invoice_no == blue["invoice_no"]
    assert {(str(s.order_id), s.amount) for s in issued_ev.orders} == {
        (one, Money(amount="300.00")),
        (two, Money(amount="123.45")),
    }
    assert isinstance(reversed_ev, InvoiceReversedV1)
    assert reversed_ev.red_invoice_id == uuid.UUID(red["id"])
    assert reversed_ev.original_invoice_no == blue["invoice_no"]
    assert [(str(s.order_id), s.amount.fen) for s in reversed_ev.orders] == [(two, 2345)]


async def test_a_settlement_list_becomes_one_application_even_when_delivered_twice(
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    kafka_bootstrap: str,
    books: Any,
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    await client.put(
        f"/v1/invoices/buyers/{org}",
        json={"name": "某保险公司", "tax_id": "91440300MA5EXAMPLA"},
        headers=h,
    )
    order_id, list_id = uuid.uuid4(), uuid.uuid4()
    event = new_event(
        "orders.settlement_list.created",
        SettlementListCreatedV1(
            settlement_list_id=list_id,
            list_no="SL20261125000042",
            order_id=order_id,
            order_no="OC20261125000042",
            customer_org_id=org,
            category=OrderCategory.channel_promotion_fee,
            amount=Money(amount="8888.00"),
            order_count=12,
            sign_date_from=date(2026, 11, 1),
            sign_date_to=date(2026, 11, 20),
            created_by="clerk-7",
        ),
        producer="orders",
        aggregate_id=list_id,
        org_id=org,
    )
    # The billing order's own orders.order.created comes after its list here.
    created = books.order_created(
        org, 888_800, category=OrderCategory.channel_promotion_fee, order_id=order_id
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for _ in range(2):
            await producer.send_and_wait(
                "orders.settlement_list", event.model_dump_json().encode(), key=list_id.bytes
            )
        await producer.send_and_wait(
            "orders.order", created.model_dump_json().encode(), key=order_id.bytes
        )
    finally:
        await producer.stop()

    found = await books.read_topic(
        kafka_bootstrap,
        "finance.invoice",
        lambda e: e["payload"].get("orders", [{}])[0].get("order_id") == str(order_id),
        want=1,
    )
    assert registry.parse(found[0][0]).event_type == "finance.invoice.applied"
    listed = (await client.get(f"/v1/invoices/applications?order_id={order_id}", headers=h)).json()
    assert len(listed) == 1
    application = listed[0]
    assert application["settlement_list_id"] == str(list_id)
    assert (application["amount"], application["applied_by"]) == ("8888.00", "clerk-7")
    assert application["buyer"]["name"] == "某保险公司"
    assert application["legal_entity"] == "technology_company"
    item = (await client.get(f"/v1/settlement-items/{order_id}", headers=h)).json()
    assert (item["amount"], item["uninvoiced"]) == ("8888.00", "0.00")
