"""All SQL of the settlement module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finance.settlement.models import AccountMapping, SettlementItem
from servicekit.auth import Principal, scoped

_MAPPING_CACHE = "finance.account_mappings"


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mapping(self, category: str, direction: str) -> AccountMapping | None:
        return await self.session.get(AccountMapping, (category, direction))

    async def cached_account_code(self, category: str, direction: str) -> str | None:
        """Account codes read once per transaction: a consumer batch records many orders."""
        cache: dict[tuple[str, str], str] | None = self.session.info.get(_MAPPING_CACHE)
        if cache is None:
            cache = {(m.category, m.direction): m.account_code for m in await self.mappings()}
            self.session.info[_MAPPING_CACHE] = cache
        return cache.get((category, direction))

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
