"""The order center's answers to insurance's order requests → the deals follow their orders."""

from __future__ import annotations

from typing import Any

from insurance.deals.service import DealService
from servicekit.clock import utc_now
from servicekit.messaging import HandlerContext


def _deals(context: HandlerContext) -> DealService:
    return DealService(context.session, context.outbox, utc_now)


async def on_order_created(envelope: Any, context: HandlerContext) -> None:
    p = envelope.payload
    if p.source_service == "insurance":
        await _deals(context).order_created(p.source_ref, p.order_id, p.order_no)


async def on_order_status_changed(envelope: Any, context: HandlerContext) -> None:
    p = envelope.payload
    await _deals(context).order_status(p.order_id, str(p.to_status))


async def on_order_request_rejected(envelope: Any, context: HandlerContext) -> None:
    p = envelope.payload
    if p.source_service == "insurance":
        await _deals(context).rejected(p.source_ref, p.code, p.reason)
