"""All SQL of the merchant module."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal, scoped
from valueadd.coupons.models import CouponProduct
from valueadd.merchants.models import Merchant, MerchantProduct, MerchantStaff, MerchantStore


class MerchantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, merchant_id: uuid.UUID, principal: Principal) -> Merchant | None:
        query = scoped(
            select(Merchant).where(Merchant.id == merchant_id), Merchant.org_id, principal
        )
        return (await self.session.scalars(query)).one_or_none()

    async def by_org(self, org_id: uuid.UUID) -> Merchant | None:
        return await self.session.scalar(select(Merchant).where(Merchant.org_id == org_id))

    async def search(
        self, principal: Principal, name: str | None, region_code: str | None
    ) -> Sequence[tuple[Merchant, int]]:
        stores = (
            select(func.count(MerchantStore.id))
            .where(MerchantStore.merchant_id == Merchant.id)
            .scalar_subquery()
        )
        query = scoped(select(Merchant, stores), Merchant.org_id, principal).order_by(Merchant.name)
        if name:
            query = query.where(Merchant.name.contains(name))
        if region_code:
            query = query.where(Merchant.region_code == region_code)
        return [(m, int(n)) for m, n in (await self.session.execute(query.limit(500))).all()]

    async def stores(self, merchant_id: uuid.UUID) -> Sequence[MerchantStore]:
        query = select(MerchantStore).where(MerchantStore.merchant_id == merchant_id)
        return (await self.session.scalars(query.order_by(MerchantStore.name))).all()

    async def store(self, merchant_id: uuid.UUID, store_id: uuid.UUID) -> MerchantStore | None:
        store = await self.session.get(MerchantStore, store_id)
        return store if store is not None and store.merchant_id == merchant_id else None

    async def store_named(self, merchant_id: uuid.UUID, name: str) -> MerchantStore | None:
        return await self.session.scalar(
            select(MerchantStore).where(
                MerchantStore.merchant_id == merchant_id, MerchantStore.name == name
            )
        )

    async def staff(self, merchant_id: uuid.UUID) -> Sequence[MerchantStaff]:
        query = select(MerchantStaff).where(MerchantStaff.merchant_id == merchant_id)
        return (await self.session.scalars(query.order_by(MerchantStaff.name))).all()

    async def staff_member(self, subject: str) -> MerchantStaff | None:
        return await self.session.get(MerchantStaff, subject)

    async def prices(
        self, merchant_id: uuid.UUID
    ) -> Sequence[tuple[MerchantProduct, CouponProduct]]:
        query = (
            select(MerchantProduct, CouponProduct)
            .join(CouponProduct, CouponProduct.id == MerchantProduct.product_id)
            .where(MerchantProduct.merchant_id == merchant_id)
            .order_by(CouponProduct.code)
        )
        return [(p, c) for p, c in (await self.session.execute(query)).all()]

    async def price(self, merchant_id: uuid.UUID, product_id: uuid.UUID) -> MerchantProduct | None:
        return await self.session.get(MerchantProduct, (merchant_id, product_id))
