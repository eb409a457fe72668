"""The order center's events about the service orders it imported (not asked by valueadd):
a covered order is recorded when created; its first settled (or closed) asks for the payees'
payable orders. The subscriptions run these after the order-request seam's own handlers."""

from __future__ import annotations

from typing import Any

from servicekit.messaging import HandlerContext
from valueadd.common import clock
from valueadd.techservices.repository import TechRepository
from valueadd.techservices.service import TechService


async def on_order_created(event: Any, ctx: HandlerContext) -> None:
    await TechService(TechRepository(ctx.session), clock.current()).order_created(
        event.payload, event.occurred_at
    )


async def on_order_status_changed(event: Any, ctx: HandlerContext) -> None:
    p = event.payload
    now = clock.current()
    await TechService(TechRepository(ctx.session), now).order_status_changed(
        ctx.outbox, p.order_id, p.to_status, now()
    )
