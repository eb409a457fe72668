"""All SQL of the mall module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, scoped
from valueadd.common.orderlinks import OrderLink
from valueadd.mall.models import MallOrder, MallProduct, MallSku


class MallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def code_taken(self, org_id: uuid.UUID, code: str) -> bool:
        q = select(MallProduct.id).where(MallProduct.org_id == org_id, MallProduct.code == code)
        return (await self.session.scalar(q)) is not None

    async def sku_codes_taken(self, org_id: uuid.UUID, codes: Sequence[str]) -> set[str]:
        q = select(MallSku.sku_code).where(MallSku.org_id == org_id, MallSku.sku_code.in_(codes))
        return set((await self.session.scalars(q)).all())

    async def products(self, principal: Principal) -> Sequence[MallProduct]:
        q = scoped(select(MallProduct), MallProduct.org_id, principal)
        return (await self.session.scalars(q.order_by(MallProduct.created_at.desc()))).all()

    async def product(self, product_id: uuid.UUID, principal: Principal) -> MallProduct | None:
        q = scoped(select(MallProduct), MallProduct.org_id, principal)
        return await self.session.scalar(q.where(MallProduct.id == product_id))

    async def skus_of(self, product_ids: Sequence[uuid.UUID]) -> Sequence[MallSku]:
        q = select(MallSku).where(MallSku.product_id.in_(product_ids)).order_by(MallSku.sku_code)
        return (await self.session.scalars(q)).all()

    async def sku(self, sku_id: uuid.UUID, principal: Principal) -> MallSku | None:
        q = scoped(select(MallSku), MallSku.org_id, principal)
        return await self.session.scalar(q.where(MallSku.id == sku_id))

    async def take_stock(self, sku_id: uuid.UUID, count: int) -> bool:
        """The guard: only a SKU with enough stock loses `count`; concurrent orders serialise
        on the row and the loser sees the stock the winner left."""
        bump = (
            update(MallSku)
            .where(MallSku.id == sku_id, MallSku.stock >= count)
            .values(stock=MallSku.stock - count)
        )
        return (await self.session.execute(bump)).rowcount == 1  # type: ignore[attr-defined]

    async def give_stock(self, sku_id: uuid.UUID, count: int) -> None:
        bump = update(MallSku).where(MallSku.id == sku_id).values(stock=MallSku.stock + count)
        await self.session.execute(bump)

    async def stock_left(self, sku_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(select(MallSku.stock).where(MallSku.id == sku_id)) or 0
        )

    async def move_order(
        self, order_id: uuid.UUID, source: str, target: str, **values: object
    ) -> bool:
        """The payment guard: the order moves only from the state the caller read."""
        q = (
            update(MallOrder)
            .where(MallOrder.id == order_id, MallOrder.status == source)
            .values(status=target, **values)
        )
        return (await self.session.execute(q)).rowcount == 1  # type: ignore[attr-defined]

    async def order(self, order_id: uuid.UUID, principal: Principal) -> MallOrder | None:
        q = scoped(select(MallOrder), MallOrder.org_id, principal)
        return await self.session.scalar(q.where(MallOrder.id == order_id))

    async def refresh(self, order: MallOrder) -> None:
        await self.session.refresh(order)

    async def by_transaction(self, channel: str, txn_no: str) -> MallOrder | None:
        q = select(MallOrder).where(
            MallOrder.payment_channel == channel, MallOrder.payment_txn_no == txn_no
        )
        return await self.session.scalar(q)

    async def orders(
        self,
        principal: Principal,
        status: str | None,
        order_no: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[MallOrder], int]:
        q = scoped(select(MallOrder), MallOrder.org_id, principal)
        if status:
            q = q.where(MallOrder.status == status)
        if order_no:
            q = q.where(MallOrder.order_no == order_no)
        total = await self.session.scalar(select(func.count()).select_from(q.subquery()))
        rows = await self.session.scalars(
            q.order_by(MallOrder.created_at.desc(), MallOrder.order_no.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), int(total or 0)

    async def order_nos(self, refs: Sequence[str]) -> dict[str, str]:
        if not refs:
            return {}
        q = select(OrderLink.source_ref, OrderLink.order_no).where(OrderLink.source_ref.in_(refs))
        return {ref: no for ref, no in (await self.session.execute(q)).all() if no}
