"""Event handlers of the payments module (listed in finance.subscriptions)."""

from __future__ import annotations

from finance.payments.repository import PaymentRepository
from finance.payments.service import PaymentService
from finance.settlement.repository import SettlementRepository
from finance.settlement.service import SettlementService
from servicekit.messaging import HandlerContext
from shared_schemas import EventEnvelope, StaffEarningAccruedV1


async def on_staff_earning_accrued(
    event: EventEnvelope[StaffEarningAccruedV1], ctx: HandlerContext
) -> None:
    # 自主提现: valueadd names a service staff member's payable order once the order center
    # made it. Its orders.order.created may reach finance later (another topic): the item is
    # then recorded from this event, and the later event finds it and is skipped.
    item = await SettlementService(SettlementRepository(ctx.session), ctx.clock).record_staff_order(
        event
    )
    payments = PaymentService(PaymentRepository(ctx.session), ctx.outbox, ctx.clock)
    await payments.accrue_staff_earning(event.payload, item, actor=event.producer)
