"""`python -m valueadd demo-data`: flow 1 at 车享, idempotent, through the services."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from servicekit.db import unit_of_work
from valueadd.common.orderlinks import OrderLink
from valueadd.coupons.models import Coupon
from valueadd.demo import load_demo_data
from valueadd.mall.models import MallOrder, MallProduct
from valueadd.redemptions.models import Redemption
from valueadd.statements.models import Statement


async def test_demo_data_twice_is_the_same(app: Any, clock: Any) -> None:
    counts = []
    for _ in range(2):
        async for session in unit_of_work(app.state.sessionmaker):
            await load_demo_data(session, app.state.messaging.outbox, app.state.settings)
        async for session in unit_of_work(app.state.sessionmaker):
            counts.append(tuple([
                await session.scalar(select(func.count()).select_from(table))
                for table in (Coupon, Redemption, Statement, OrderLink, MallProduct, MallOrder)
            ]))  # fmt: skip
            statuses = (await session.scalars(select(Statement.status))).all()
    assert counts[0] == counts[1]
    assert counts[0][0] >= 2 and counts[0][1] >= 1
    assert "confirmed" in statuses
    assert counts[0][4] >= 1 and counts[0][5] >= 1
    async for session in unit_of_work(app.state.sessionmaker):
        paid = (await session.scalars(select(MallOrder.status))).all()
    assert "paid" in paid
