"""Handler of the business services' order requests (listed in orders.subscriptions)."""

from __future__ import annotations

from typing import Any

from orders.intake.service import OrderRequestService
from orders.order.repository import OrderRepository
from servicekit.messaging import HandlerContext
from shared_schemas import EventEnvelope

#: The event types of the order-request seam, one per business service.
ORDER_REQUESTS = (
    "insurance.order_request.submitted",
    "risk.order_request.submitted",
    "valueadd.order_request.submitted",
)


async def on_order_requests(events: list[EventEnvelope[Any]], ctx: HandlerContext) -> None:
    """A consumer batch's order requests (partition order): created together, each recorded."""
    await OrderRequestService(OrderRepository(ctx.session), ctx.outbox, ctx.clock).receive(events)
