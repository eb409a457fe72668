"""All SQL of the statement module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, scoped
from valueadd.common.orderlinks import OrderLink
from valueadd.redemptions.models import Redemption
from valueadd.statements.models import Statement, StatementLine, StatementStatus


class StatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def claim(
        self, merchant_id: uuid.UUID, start: datetime, end: datetime, statement_id: uuid.UUID
    ) -> Sequence[Any]:
        """Put the merchant's redemptions of [start, end) that are on no statement yet on this
        one, atomically: concurrent statements over the same period cannot both take a row."""
        statement = (
            update(Redemption)
            .where(
                Redemption.merchant_id == merchant_id,
                Redemption.redeemed_at >= start,
                Redemption.redeemed_at < end,
                Redemption.statement_id.is_(None),
            )
            .values(statement_id=statement_id)
            .returning(
                Redemption.id,
                Redemption.redemption_no,
                Redemption.coupon_id,
                Redemption.product_code,
                Redemption.product_name,
                Redemption.store_name,
                Redemption.redeemed_at,
                Redemption.settlement_price_fen,
                Redemption.insurer_price_fen,
                Redemption.batch_kind,
                Redemption.billed_org_id,
            )
        )
        return (await self.session.execute(statement)).all()

    async def release(self, redemption_ids: list[uuid.UUID]) -> None:
        if redemption_ids:
            await self.session.execute(
                update(Redemption)
                .where(Redemption.id.in_(redemption_ids))
                .values(statement_id=None)
            )

    async def get(self, statement_id: uuid.UUID, principal: Principal) -> Statement | None:
        query = scoped(
            select(Statement).where(Statement.id == statement_id),
            Statement.merchant_org_id,
            principal,
        )
        return (await self.session.scalars(query)).one_or_none()

    async def by_no(self, statement_no: str) -> Statement | None:
        return await self.session.scalar(
            select(Statement).where(Statement.statement_no == statement_no).with_for_update()
        )

    async def search(
        self, principal: Principal, merchant_id: uuid.UUID | None, status: StatementStatus | None
    ) -> Sequence[Statement]:
        query = scoped(select(Statement), Statement.merchant_org_id, principal)
        if merchant_id:
            query = query.where(Statement.merchant_id == merchant_id)
        if status:
            query = query.where(Statement.status == status.value)
        query = query.order_by(Statement.created_at.desc(), Statement.id.desc()).limit(200)
        return (await self.session.scalars(query)).all()

    async def lock_open(self, statement_id: uuid.UUID) -> bool:
        """Row-lock the statement if still open (the lines' changes serialise on it)."""
        found = await self.session.execute(
            update(Statement)
            .where(Statement.id == statement_id, Statement.status == StatementStatus.open.value)
            .values(status=StatementStatus.open.value)
            .returning(Statement.id)
        )
        return found.first() is not None

    async def lines(self, statement_id: uuid.UUID) -> Sequence[StatementLine]:
        query = select(StatementLine).where(StatementLine.statement_id == statement_id)
        return (await self.session.scalars(query.order_by(StatementLine.redeemed_at))).all()

    async def line(self, statement_id: uuid.UUID, redemption_no: str) -> StatementLine | None:
        return await self.session.scalar(
            select(StatementLine).where(
                StatementLine.statement_id == statement_id,
                StatementLine.redemption_no == redemption_no,
            )
        )

    async def order_links(self, refs: list[str]) -> Sequence[OrderLink]:
        if not refs:
            return []
        return (
            await self.session.scalars(select(OrderLink).where(OrderLink.source_ref.in_(refs)))
        ).all()

    async def links_with_prefix(self, prefix: str) -> Sequence[OrderLink]:
        query = select(OrderLink).where(OrderLink.source_ref.startswith(prefix, autoescape=True))
        return (await self.session.scalars(query)).all()
