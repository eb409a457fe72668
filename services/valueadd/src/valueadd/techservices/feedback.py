"""The order center's answers to the payees' payable orders, followed by their links. For a
self-withdrawal contract the payable order, once made, goes on the service staff member's
balance in finance: `valueadd.staff_earning.accrued` in the same transaction (outbox).

Why an event and not finance's REST API (`POST /v1/staff-balances/{id}/credits`): nobody waits
for an answer here — valueadd learns of the order from an event and finance keeps the balance —
and ARCHITECTURE.md sends data across service lines as events unless an answer is needed now;
a handler calling another service would also fail, and retry, whenever finance is down, while
the outbox keeps the fact until finance takes it.
"""

from __future__ import annotations

from servicekit.messaging import HandlerContext
from shared_schemas import Money, OrderCategory, StaffEarningAccruedV1, new_event
from valueadd.common import clock, orderlinks
from valueadd.common.orderlinks import OrderFeedback, OrderLink
from valueadd.techservices.models import PayoutMode, TechPayout, TechServiceOrder
from valueadd.techservices.service import PAYOUT

EVENT = "valueadd.staff_earning.accrued"


async def on_payout_created(ctx: HandlerContext, link: OrderLink) -> None:
    payout = await ctx.session.get(TechPayout, link.source_ref, with_for_update=True)
    if payout is None or payout.payout_mode != PayoutMode.self_withdrawal.value:
        return
    if payout.credited_at is not None or link.order_id is None or link.order_no is None:
        return
    order = await ctx.session.get(TechServiceOrder, payout.service_order_id)
    assert order is not None
    now = clock.current()()
    payload = StaffEarningAccruedV1(
        staff_id=payout.subject, staff_name=payout.name, order_id=link.order_id,
        order_no=link.order_no, category=OrderCategory(link.category),
        customer_org_id=link.customer_org_id,
        amount=Money.from_fen(payout.amount_fen), source_ref=payout.source_ref,
        contract_no=order.contract_no, service_order_no=order.order_no,
    )  # fmt: skip
    await ctx.publish(
        new_event(EVENT, payload, producer=orderlinks.SOURCE_SERVICE,
                  aggregate_id=payout.source_ref, org_id=link.customer_org_id, occurred_at=now,
                  causation_id=str(ctx.event.event_id) if ctx.event is not None else None)
    )  # fmt: skip
    payout.credited_at = now


def register() -> None:
    orderlinks.router.register(PAYOUT, OrderFeedback(created=on_payout_created))


register()
