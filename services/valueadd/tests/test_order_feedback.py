"""The order center's answers reach the module that asked, through the real broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from servicekit.db import unit_of_work
from shared_schemas import (
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderRequestCounterparty,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
    topic_for,
)
from valueadd.common import orderlinks
from valueadd.common.orderlinks import OrderFeedback, OrderLink

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def _wait_for(app: Any, ref: str, check: Any) -> OrderLink:
    for _ in range(200):
        async for session in unit_of_work(app.state.sessionmaker):
            link = await session.get(OrderLink, ref)
        if link is not None and check(link):
            return link
        await asyncio.sleep(0.05)
    raise AssertionError(f"link {ref} never reached the expected state")


async def test_created_and_status_events_find_their_module(app: Any, kafka_bootstrap: str) -> None:
    seen: list[tuple[str, str]] = []

    async def created(ctx: Any, link: OrderLink) -> None:
        seen.append(("created", link.order_no or ""))

    async def moved(ctx: Any, link: OrderLink, status: OrderStatus) -> None:
        seen.append(("status", status.value))

    module = f"probe{uuid.uuid4().hex[:6]}"
    orderlinks.router.register(module, OrderFeedback(created=created, status_changed=moved))
    ref = f"{module}:1"
    org = uuid.uuid4()
    async for session in unit_of_work(app.state.sessionmaker):
        request = OrderRequestSubmittedV1(
            source_service="valueadd", source_ref=ref, category=OrderCategory.merchant_payout,
            direction=OrderDirection.payable, customer_org_id=org,
            counterparty=OrderRequestCounterparty(kind="org", id=str(org), name="车享"),
            amount=Money(amount=Decimal("12.30")), requested_by="tester",
        )  # fmt: skip
        link = await orderlinks.request_order(session, app.state.messaging.outbox, request, AT)
        again = await orderlinks.request_order(session, app.state.messaging.outbox, request, AT)
        assert again is link
        sent = await session.execute(
            text("SELECT event_type, topic FROM outbox_messages WHERE message_key = :k"), {"k": ref}
        )
        assert sent.all() == [("valueadd.order_request.submitted", "valueadd.order_request")]
    order_id = uuid.uuid4()
    created_event = new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=order_id, order_no="OC20261120000001", category=OrderCategory.merchant_payout,
            direction=OrderDirection.payable, customer_org_id=org,
            amount=Money(amount=Decimal("12.30")), source_service="valueadd", source_ref=ref,
            created_by="orders",
        ),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip
    other_service = new_event(
        "orders.order.created",
        OrderCreatedV1(
            order_id=uuid.uuid4(), order_no="OC20261120000002", category=OrderCategory.risk_assessment,
            direction=OrderDirection.receivable, customer_org_id=org,
            amount=Money(amount=Decimal("1.00")), source_service="risk", source_ref=ref,
            created_by="orders",
        ),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip
    settled = new_event(
        "orders.order.status_changed",
        OrderStatusChangedV1(
            order_id=order_id, order_no="OC20261120000001", from_status=OrderStatus.created,
            to_status=OrderStatus.settled, changed_by="finance",
        ),
        producer="orders", aggregate_id=order_id,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in (other_service, created_event, created_event, settled):
            await producer.send_and_wait(
                topic_for(event.event_type),
                event.model_dump_json().encode(),
                key=str(order_id).encode(),
            )
    finally:
        await producer.stop()
    link = await _wait_for(app, ref, lambda link: link.order_status == "settled")
    assert (link.order_no, link.order_id) == ("OC20261120000001", order_id)
    # The risk order with the same ref is not ours; the repeated created event is handled once.
    assert seen == [("created", "OC20261120000001"), ("status", "settled")]


async def test_a_rejected_request_is_kept_with_its_reason(app: Any, kafka_bootstrap: str) -> None:
    rejected: list[str] = []

    async def on_rejected(ctx: Any, link: OrderLink) -> None:
        rejected.append(link.rejected_code or "")

    module = f"probe{uuid.uuid4().hex[:6]}"
    orderlinks.router.register(module, OrderFeedback(rejected=on_rejected))
    ref = f"{module}:9"
    async for session in unit_of_work(app.state.sessionmaker):
        await orderlinks.request_order(
            session, app.state.messaging.outbox,
            OrderRequestSubmittedV1(
                source_service="valueadd", source_ref=ref, category=OrderCategory.value_added_settlement,
                direction=OrderDirection.receivable, customer_org_id=uuid.uuid4(),
                amount=Money(amount=Decimal("90.00")), requested_by="tester",
            ),
            AT,
        )  # fmt: skip
    event = new_event(
        "orders.order_request.rejected",
        OrderRequestRejectedV1(source_service="valueadd", source_ref=ref, code="org_not_visible",
                               reason="unknown institution"),
        producer="orders", aggregate_id=ref,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_for(event.event_type), event.model_dump_json().encode(), key=ref.encode()
        )
    finally:
        await producer.stop()
    link = await _wait_for(app, ref, lambda link: link.rejected_code is not None)
    assert (link.rejected_code, link.rejected_reason) == ("org_not_visible", "unknown institution")
    assert rejected == ["org_not_visible"]
