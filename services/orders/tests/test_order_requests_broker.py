"""Over the real broker: a business service's order request, published twice, makes one
order answered on orders.order; one the order center cannot accept is answered on
orders.order_request and recorded."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from orders.intake.models import OrderRequest
from orders.order.models import Order
from shared_schemas import Money, OrderRequestSubmittedV1, new_event

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _request(org: uuid.UUID, ref: str, category: str) -> Any:
    payload = OrderRequestSubmittedV1(
        source_service="risk",
        source_ref=ref,
        category=category,  # type: ignore[arg-type]
        direction="receivable",  # type: ignore[arg-type]
        customer_org_id=org,
        amount=Money(amount="880.00"),
        requested_by="risk-assessor",
    )
    return new_event(
        "risk.order_request.submitted", payload, producer="risk", aggregate_id=ref, occurred_at=AT
    )


@pytest.mark.consumes_events
async def test_requests_over_the_broker_make_one_order_or_a_rejection(
    app: FastAPI,
    api: Any,
    finance: Any,
    wait_until: Callable[..., Awaitable[None]],
    read_topic: Callable[..., Awaitable[list[tuple[str, dict[str, Any]]]]],
) -> None:
    ref, bad_ref = f"assessment-{uuid.uuid4().hex[:10]}", f"assessment-{uuid.uuid4().hex[:10]}"
    ask = _request(api.org_a, ref, "risk_assessment")
    bad = _request(api.org_a, bad_ref, "merchant_payout")

    await finance.publish(ask, ask, bad)  # `publish` sends any event to its topic

    async def recorded() -> bool:
        async with app.state.sessionmaker() as session:
            rows = await session.execute(
                select(OrderRequest.source_ref).where(OrderRequest.source_ref.in_([ref, bad_ref]))
            )
            return len(rows.all()) == 2

    await wait_until(recorded)
    async with app.state.sessionmaker() as session:
        orders = (await session.execute(select(Order).where(Order.source_ref == ref))).scalars()
        [order] = list(orders)
    assert (order.amount_fen, order.created_by) == (88000, "risk-assessor")

    created = await read_topic(
        "orders.order",
        lambda e: e["event_type"] == "orders.order.created" and e["payload"]["source_ref"] == ref,
        want=1,
    )
    [(key, event)] = created
    assert key == str(order.id)
    assert (event["payload"]["source_service"], event["payload"]["order_no"]) == (
        "risk",
        order.order_no,
    )

    rejected = await read_topic(
        "orders.order_request",
        lambda e: e["payload"]["source_ref"] == bad_ref,
        want=1,
    )
    [(key, event)] = rejected
    assert key == bad_ref
    assert event["event_type"] == "orders.order_request.rejected"
    assert event["payload"]["code"] == "category_not_requestable"
