"""All SQL of the settlement module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finance.settlement.models import AccountMapping, SettlementItem
from servicekit.auth import Principal, scoped


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mapping(self, category: str, direction: str) -> AccountMapping | None:
        return await self.session.get(AccountMapping, (category, direction))

    async def mappings(self) -> Sequence[AccountMapping]:
        query = select(AccountMapping).order_by(AccountMapping.direction, AccountMapping.category)
        return (await self.session.execute(query)).scalars().all()

    async def item(self, order_id: uuid.UUID) -> SettlementItem | None:
        return await self.session.get(SettlementItem, order_id)

    async def visible_item(
        self, order_id: uuid.UUID, principal: Principal
    ) -> SettlementItem | None:
        query = scoped(
            select(SettlementItem).where(SettlementItem.order_id == order_id),
            SettlementItem.customer_org_id,
            principal,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    def add(self, row: SettlementItem | AccountMapping) -> None:
        self.session.add(row)
