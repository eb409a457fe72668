"""All SQL of the order module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.models import Order, OrderNumberCounter, OrderStatusChange
from servicekit.auth import Principal, scoped


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_source(self, source_service: str, source_ref: str) -> Order | None:
        query = select(Order).where(
            Order.source_service == source_service, Order.source_ref == source_ref
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def visible_by_id(self, order_id: uuid.UUID, principal: Principal) -> Order | None:
        query = scoped(select(Order).where(Order.id == order_id), Order.customer_org_id, principal)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def trajectory(self, order_id: uuid.UUID) -> Sequence[OrderStatusChange]:
        query = (
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order_id)
            .order_by(OrderStatusChange.id)
        )
        return (await self.session.execute(query)).scalars().all()

    async def add_new(self, order: Order, first_step: OrderStatusChange) -> bool:
        """Insert unless the source reference exists; False when another request won the race."""
        try:
            async with self.session.begin_nested():
                self.session.add(order)
                await self.session.flush()
        except IntegrityError:
            return False
        self.session.add(first_step)
        return True

    async def next_order_number(self, day: str) -> int:
        """Atomic per-day counter: the UPDATE's row lock serialises concurrent creators."""
        bump = (
            update(OrderNumberCounter)
            .where(OrderNumberCounter.day == day)
            .values(last=OrderNumberCounter.last + 1)
            .returning(OrderNumberCounter.last)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is not None:
            return int(value)
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(OrderNumberCounter).values(day=day, last=1))
            return 1
        except IntegrityError:  # another transaction created today's row first
            return int((await self.session.execute(bump)).scalar_one())
