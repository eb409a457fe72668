"""All SQL of settlement lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orders.order.models import Order
from orders.settlement.models import SettlementList, SettlementListItem
from servicekit.auth import Principal, scoped

#: Orders a settlement list creates are never themselves listed again.
SOURCE_SERVICE = "settlement_list"
#: The statuses of a deal that a settlement list may still bill.
DEAL_STATUSES = ("created", "reconciled")


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def selectable(
        self,
        customer_org_id: uuid.UUID,
        category: str,
        signed: tuple[date, date],
        principal: Principal,
        limit: int,
    ) -> Sequence[Order]:
        listed = select(SettlementListItem.order_id)
        query = (
            scoped(select(Order), Order.customer_org_id, principal)
            .where(
                Order.customer_org_id == customer_org_id,
                Order.category == category,
                Order.direction == "receivable",
                # Closed deals (成交) not yet billed: a deal recorded as an order (created, or
                # reconciled) — not cancelled, not invoiced on its own. NOT the life-cycle status
                # `closed`, which comes after invoicing and settlement (docs/order-lifecycle.md).
                Order.status.in_(DEAL_STATUSES),
                Order.invoiced_fen == 0,
                Order.sign_date >= signed[0],
                Order.sign_date <= signed[1],
                Order.source_service != SOURCE_SERVICE,
                Order.id.not_in(listed),
            )
            .order_by(Order.sign_date, Order.order_no)
            .limit(limit)
        )
        return (await self.session.execute(query)).scalars().all()

    async def add(self, settlement: SettlementList, order_ids: Sequence[uuid.UUID]) -> bool:
        """False when another list took one of the orders meanwhile (unique order_id)."""
        try:
            async with self.session.begin_nested():
                self.session.add(settlement)
                await self.session.flush()
                self.session.add_all(
                    [SettlementListItem(list_id=settlement.id, order_id=o) for o in order_ids]
                )
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def visible(self, list_id: uuid.UUID, principal: Principal) -> SettlementList | None:
        query = scoped(
            select(SettlementList).where(SettlementList.id == list_id),
            SettlementList.customer_org_id,
            principal,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def order_ids(self, list_id: uuid.UUID) -> Sequence[uuid.UUID]:
        query = (
            select(SettlementListItem.order_id)
            .join(Order, Order.id == SettlementListItem.order_id)
            .where(SettlementListItem.list_id == list_id)
            .order_by(Order.sign_date, Order.order_no)
        )
        return (await self.session.execute(query)).scalars().all()
