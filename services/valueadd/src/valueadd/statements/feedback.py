"""What the order center's answers do to statements: the payout settled → statement paid."""

from __future__ import annotations

from servicekit.messaging import HandlerContext
from shared_schemas import OrderStatus
from valueadd.common import clock, orderlinks
from valueadd.common.orderlinks import OrderFeedback, OrderLink
from valueadd.statements.repository import StatementRepository
from valueadd.statements.service import PAYOUT, SETTLEMENT, StatementService


async def on_payout_status(ctx: HandlerContext, link: OrderLink, status: OrderStatus) -> None:
    if status not in (OrderStatus.settled, OrderStatus.closed):
        return
    repo = StatementRepository(ctx.session)
    statement = await repo.by_no(link.source_no or "")
    if statement is None:
        return
    await StatementService(repo, ctx.outbox, clock.current()).paid(
        statement, clock.current()(), f"order {link.order_no}"
    )


def register() -> None:
    orderlinks.router.register(PAYOUT, OrderFeedback(status_changed=on_payout_status))
    # The insurers' settlement orders are followed by their link alone (order no., status).
    orderlinks.router.register(SETTLEMENT, OrderFeedback())


register()
