"""All SQL of technical-service contracts, service orders and payouts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, org_scope_clause
from valueadd.common.orderlinks import OrderLink
from valueadd.techservices.models import TechContract, TechPayout, TechServiceOrder


class TechRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def versions(self, org_id: uuid.UUID, contract_no: str) -> Sequence[TechContract]:
        q = select(TechContract).where(
            TechContract.org_id == org_id, TechContract.contract_no == contract_no
        )
        return (await self.session.scalars(q.order_by(TechContract.version))).all()

    async def source_holder(
        self, customer_org_id: uuid.UUID, order_source: str
    ) -> TechContract | None:
        """Any version of the contract covering this customer's orders from this source."""
        q = select(TechContract).where(
            TechContract.customer_org_id == customer_org_id,
            TechContract.order_source == order_source,
        )
        return await self.session.scalar(q.limit(1))

    async def in_force(
        self, customer_org_id: uuid.UUID, order_source: str, day: date
    ) -> TechContract | None:
        q = (
            select(TechContract)
            .where(
                TechContract.customer_org_id == customer_org_id,
                TechContract.order_source == order_source,
                TechContract.effective_from <= day,
            )
            .order_by(TechContract.effective_from.desc(), TechContract.version.desc())
            .limit(1)
        )
        return await self.session.scalar(q)

    async def contracts(self, principal: Principal) -> Sequence[TechContract]:
        q = select(TechContract)
        clause = org_scope_clause(TechContract.org_id, principal)
        if clause is not None:
            q = q.where(clause)
        q = q.order_by(TechContract.contract_no, TechContract.version)
        return (await self.session.scalars(q)).all()

    async def contract(self, contract_id: uuid.UUID) -> TechContract | None:
        return await self.session.get(TechContract, contract_id)

    async def service_order(
        self, order_id: uuid.UUID, *, lock: bool = False
    ) -> TechServiceOrder | None:
        return await self.session.get(TechServiceOrder, order_id, with_for_update=lock)

    async def service_orders(
        self, principal: Principal, contract_no: str | None
    ) -> Sequence[TechServiceOrder]:
        q = select(TechServiceOrder)
        clause = org_scope_clause(TechServiceOrder.org_id, principal)
        if clause is not None:
            q = q.where(clause)
        if contract_no:
            q = q.where(TechServiceOrder.contract_no == contract_no)
        q = q.order_by(TechServiceOrder.sign_date.desc(), TechServiceOrder.order_no)
        return (await self.session.scalars(q.limit(500))).all()

    async def payouts(self, order_ids: Sequence[uuid.UUID]) -> Sequence[TechPayout]:
        if not order_ids:
            return []
        q = select(TechPayout).where(TechPayout.service_order_id.in_(order_ids))
        return (await self.session.scalars(q.order_by(TechPayout.source_ref))).all()

    async def payout(self, source_ref: str, *, lock: bool = False) -> TechPayout | None:
        return await self.session.get(TechPayout, source_ref, with_for_update=lock)

    async def order_nos(self, refs: Sequence[str]) -> dict[str, str]:
        if not refs:
            return {}
        q = select(OrderLink.source_ref, OrderLink.order_no).where(
            OrderLink.source_ref.in_(refs), OrderLink.order_no.is_not(None)
        )
        return {ref: no for ref, no in (await self.session.execute(q)).all()}

    async def version_of(self, contract_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not contract_ids:
            return {}
        q = select(TechContract.id, TechContract.version).where(TechContract.id.in_(contract_ids))
        return {cid: v for cid, v in (await self.session.execute(q)).all()}

    async def count_contracts(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(TechContract)) or 0)
