"""All SQL of the redemption module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, scoped
from valueadd.common.orderlinks import OrderLink
from valueadd.redemptions.models import Redemption


class RedemptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def by_key(self, merchant_id: uuid.UUID, key: str) -> Redemption | None:
        return await self.session.scalar(
            select(Redemption).where(
                Redemption.merchant_id == merchant_id, Redemption.idempotency_key == key
            )
        )

    def _filtered(
        self,
        query: Select[Any],
        principal: Principal,
        merchant_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
        code: str | None = None,
    ) -> Select[Any]:
        query = scoped(query, Redemption.merchant_org_id, principal)
        if merchant_id:
            query = query.where(Redemption.merchant_id == merchant_id)
        if start:
            query = query.where(Redemption.redeemed_at >= start)
        if end:
            query = query.where(Redemption.redeemed_at < end)
        if code:
            query = query.where(Redemption.coupon_code == code)
        return query

    async def search(
        self,
        principal: Principal,
        merchant_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
        code: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Redemption], int]:
        query = self._filtered(select(Redemption), principal, merchant_id, start, end, code)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        page = query.order_by(Redemption.redeemed_at.desc(), Redemption.id.desc())
        return (await self.session.scalars(page.limit(limit).offset(offset))).all(), int(total or 0)

    async def get(self, redemption_id: uuid.UUID, principal: Principal) -> Redemption | None:
        query = scoped(
            select(Redemption).where(Redemption.id == redemption_id),
            Redemption.merchant_org_id,
            principal,
        )
        return (await self.session.scalars(query)).one_or_none()

    async def order_nos(self, refs: list[str]) -> dict[str, str | None]:
        if not refs:
            return {}
        rows = await self.session.execute(
            select(OrderLink.source_ref, OrderLink.order_no).where(OrderLink.source_ref.in_(refs))
        )
        return {ref: no for ref, no in rows.all()}

    async def grouped(
        self,
        principal: Principal,
        column: Any,
        label: Any,
        merchant_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> list[tuple[str, str, int, int]]:
        query = select(
            column, func.max(label), func.count(), func.sum(Redemption.settlement_price_fen)
        ).group_by(column)
        query = self._filtered(query, principal, merchant_id, start, end)
        rows = await self.session.execute(query.order_by(func.count().desc()).limit(200))
        return [(str(k), str(lbl), int(n), int(s or 0)) for k, lbl, n, s in rows.all()]

    async def times_and_prices(
        self,
        principal: Principal,
        merchant_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
    ) -> list[tuple[datetime, int]]:
        query = select(Redemption.redeemed_at, Redemption.settlement_price_fen)
        query = self._filtered(query, principal, merchant_id, start, end).limit(200_000)
        return [(at, int(fen)) for at, fen in (await self.session.execute(query)).all()]
