"""Event handlers of the invoice module (listed in finance.subscriptions)."""

from __future__ import annotations

from finance.invoices.repository import InvoiceRepository
from finance.invoices.service import InvoiceService
from finance.settlement.repository import SettlementRepository
from finance.settlement.service import SettlementService
from servicekit.messaging import HandlerContext
from shared_schemas import EventEnvelope, SettlementListCreatedV1


async def on_settlement_list_created(
    event: EventEnvelope[SettlementListCreatedV1], ctx: HandlerContext
) -> None:
    # The billing order may reach finance after its list (another topic): record it from the
    # list then; the later orders.order.created finds it and is skipped.
    settlement = SettlementService(SettlementRepository(ctx.session), ctx.clock)
    item = await settlement.record_billing_order(event)
    invoices = InvoiceService(InvoiceRepository(ctx.session), ctx.outbox, ctx.clock)
    await invoices.apply_for_settlement_list(event, item)
