"""Handlers of the order center's answers (listed in risk.subscriptions)."""

from __future__ import annotations

from risk.reconciliation.service import ReconciliationService
from servicekit.clock import utc_now
from servicekit.messaging import HandlerContext
from shared_schemas import EventEnvelope, OrderCreatedV1, OrderStatusChangedV1
from shared_schemas.events.orders.v1 import OrderRequestRejectedV1


def _service(ctx: HandlerContext) -> ReconciliationService:
    return ReconciliationService(ctx.session, ctx.outbox, utc_now)


async def on_order_created(event: EventEnvelope[OrderCreatedV1], ctx: HandlerContext) -> None:
    p = event.payload
    if p.source_service != "risk":
        return  # another service's order
    await _service(ctx).order_created(p.source_ref, p.order_id, p.order_no)


async def on_order_status_changed(
    event: EventEnvelope[OrderStatusChangedV1], ctx: HandlerContext
) -> None:
    await _service(ctx).order_status_changed(event.payload.order_id, event.payload.to_status.value)


async def on_order_request_rejected(
    event: EventEnvelope[OrderRequestRejectedV1], ctx: HandlerContext
) -> None:
    p = event.payload
    if p.source_service != "risk":
        return
    await _service(ctx).order_rejected(p.source_ref, p.code, p.reason)
