"""All SQL of plate contracts and settlements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, org_scope_clause
from valueadd.calls.models import CallRecord
from valueadd.common.orderlinks import OrderLink
from valueadd.plate_settlement.models import PlateContract, PlateSettlement
from valueadd.plates.models import PlatePurchase


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def last_version(self, org_id: uuid.UUID, insurer_org_id: uuid.UUID) -> int:
        q = select(func.max(PlateContract.version)).where(
            PlateContract.org_id == org_id, PlateContract.insurer_org_id == insurer_org_id
        )
        return int(await self.session.scalar(q) or 0)

    async def contract_in_force(
        self, org_id: uuid.UUID, insurer_org_id: uuid.UUID, day: date
    ) -> PlateContract | None:
        q = (
            select(PlateContract)
            .where(
                PlateContract.org_id == org_id,
                PlateContract.insurer_org_id == insurer_org_id,
                PlateContract.effective_from <= day,
            )
            .order_by(PlateContract.effective_from.desc(), PlateContract.version.desc())
            .limit(1)
        )
        return await self.session.scalar(q)

    async def contracts(self, principal: Principal) -> Sequence[PlateContract]:
        q = select(PlateContract)
        own = org_scope_clause(PlateContract.org_id, principal)
        if own is not None:
            bought = org_scope_clause(PlateContract.insurer_org_id, principal)
            assert bought is not None
            q = q.where(or_(own, bought))
        return (
            await self.session.scalars(
                q.order_by(PlateContract.insurer_org_id, PlateContract.version)
            )
        ).all()

    async def open_calls(
        self, org_id: uuid.UUID, insurer_org_id: uuid.UUID, since: datetime, until: datetime
    ) -> Sequence[CallRecord]:
        q = select(CallRecord).where(
            CallRecord.org_id == org_id, CallRecord.insurer_org_id == insurer_org_id,
            CallRecord.started_at >= since, CallRecord.started_at < until,
            CallRecord.settlement_id.is_(None),
        )  # fmt: skip
        return (await self.session.scalars(q)).all()

    async def open_purchases(
        self, org_id: uuid.UUID, insurer_org_id: uuid.UUID, until: datetime
    ) -> Sequence[PlatePurchase]:
        """Purchases that asked for no order of their own and are on no settlement yet."""
        q = select(PlatePurchase).where(
            PlatePurchase.org_id == org_id, PlatePurchase.insurer_org_id == insurer_org_id,
            PlatePurchase.created_at < until, PlatePurchase.settlement_id.is_(None),
            or_(PlatePurchase.settlement_mode.is_(None), PlatePurchase.settlement_mode != "separate"),
        )  # fmt: skip
        return (await self.session.scalars(q)).all()

    async def take_calls(self, ids: Sequence[uuid.UUID], settlement_id: uuid.UUID) -> int:
        q = (
            update(CallRecord)
            .where(CallRecord.id.in_(ids), CallRecord.settlement_id.is_(None))
            .values(settlement_id=settlement_id)
        )
        return int((await self.session.execute(q)).rowcount)  # type: ignore[attr-defined]

    async def take_purchases(self, ids: Sequence[uuid.UUID], settlement_id: uuid.UUID) -> int:
        q = (
            update(PlatePurchase)
            .where(PlatePurchase.id.in_(ids), PlatePurchase.settlement_id.is_(None))
            .values(settlement_id=settlement_id)
        )
        return int((await self.session.execute(q)).rowcount)  # type: ignore[attr-defined]

    async def settlements(self, principal: Principal) -> Sequence[PlateSettlement]:
        q = select(PlateSettlement)
        own = org_scope_clause(PlateSettlement.org_id, principal)
        if own is not None:
            bought = org_scope_clause(PlateSettlement.insurer_org_id, principal)
            assert bought is not None
            q = q.where(or_(own, bought))
        return (await self.session.scalars(q.order_by(PlateSettlement.settlement_no.desc()))).all()

    async def order_nos(self, refs: Sequence[str]) -> dict[str, str]:
        if not refs:
            return {}
        q = select(OrderLink.source_ref, OrderLink.order_no).where(OrderLink.source_ref.in_(refs))
        return {ref: no for ref, no in (await self.session.execute(q)).all() if no}
