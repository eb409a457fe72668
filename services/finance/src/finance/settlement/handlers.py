"""Event handlers of the settlement module (listed in finance.subscriptions)."""

from __future__ import annotations

from typing import Any

from finance.settlement.repository import SettlementRepository
from finance.settlement.service import SettlementService
from servicekit.messaging import HandlerContext


async def on_order_created(event: Any, ctx: HandlerContext) -> None:
    await SettlementService(SettlementRepository(ctx.session), ctx.clock).record_order(
        event, check_duplicate=not ctx.in_batch
    )


async def on_order_status_changed(event: Any, ctx: HandlerContext) -> None:
    await SettlementService(SettlementRepository(ctx.session), ctx.clock).follow_status(event)
