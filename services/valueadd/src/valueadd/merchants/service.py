"""Merchant profiles: create and change them, their stores, staff and price list."""

from __future__ import annotations

import uuid

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.errors import Forbidden
from valueadd.common.money import from_fen, to_fen
from valueadd.coupons.errors import ProductNotFound
from valueadd.coupons.models import CouponProduct, ServiceKind
from valueadd.merchants.errors import (
    MerchantExists,
    MerchantNotFound,
    NotMerchantStaff,
    OperatorsOnly,
    StaffElsewhere,
    StoreNameTaken,
    StoreNotFound,
)
from valueadd.merchants.models import Merchant, MerchantProduct, MerchantStaff, MerchantStore
from valueadd.merchants.repository import MerchantRepository
from valueadd.merchants.schemas import (
    MerchantCreate,
    MerchantRead,
    MerchantSummary,
    MerchantUpdate,
    PricePut,
    PriceRead,
    StaffPut,
    StaffRead,
    StoreCreate,
    StoreRead,
)


class MerchantService:
    def __init__(self, repo: MerchantRepository, clock: Clock) -> None:
        self.repo = repo
        self.clock = clock

    async def create(self, data: MerchantCreate, principal: Principal) -> MerchantRead:
        if not principal.may_see_org(data.org_id):
            raise Forbidden(
                "You may not keep a merchant profile for another institution.",
                code="org_not_visible",
            )
        if await self.repo.by_org(data.org_id) is not None:
            raise MerchantExists()
        now = self.clock()
        merchant = Merchant(
            org_id=data.org_id,
            name=data.name,
            region_code=data.region_code,
            services=[s.value for s in data.services],
            created_by=principal.subject,
            created_at=now,
            updated_by=principal.subject,
            updated_at=now,
        )
        self.repo.add(merchant)
        await self.repo.flush()
        return await self.read(merchant)

    async def update(
        self, merchant_id: uuid.UUID, data: MerchantUpdate, principal: Principal
    ) -> MerchantRead:
        merchant = await self._merchant(merchant_id, principal)
        if data.name is not None:
            merchant.name = data.name
        if data.region_code is not None:
            merchant.region_code = data.region_code
        if data.services is not None:
            merchant.services = [s.value for s in data.services]
        merchant.updated_by, merchant.updated_at = principal.subject, self.clock()
        await self.repo.flush()
        return await self.read(merchant)

    async def get(self, merchant_id: uuid.UUID, principal: Principal) -> MerchantRead:
        return await self.read(await self._merchant(merchant_id, principal))

    async def mine(self, principal: Principal) -> MerchantRead:
        """The caller's merchant: as its staff, or as a user of the merchant institution."""
        staff = await self.repo.staff_member(principal.subject)
        merchant = None
        if staff is not None and staff.active:
            merchant = await self.repo.get(staff.merchant_id, principal)
        if merchant is None and principal.org_id is not None:
            merchant = await self.repo.by_org(principal.org_id)
        if merchant is None:
            raise NotMerchantStaff()
        return await self.read(merchant)

    async def search(
        self, principal: Principal, name: str | None, region_code: str | None
    ) -> list[MerchantSummary]:
        rows = await self.repo.search(principal, name, region_code)
        return [
            MerchantSummary(
                id=m.id,
                org_id=m.org_id,
                name=m.name,
                region_code=m.region_code,
                services=[ServiceKind(s) for s in m.services],
                store_count=n,
            )
            for m, n in rows
        ]

    async def add_store(
        self, merchant_id: uuid.UUID, data: StoreCreate, principal: Principal
    ) -> StoreRead:
        merchant = await self._merchant(merchant_id, principal)
        if await self.repo.store_named(merchant.id, data.name) is not None:
            raise StoreNameTaken()
        store = MerchantStore(
            merchant_id=merchant.id,
            name=data.name,
            address=data.address,
            region_code=data.region_code,
            latitude=data.latitude,
            longitude=data.longitude,
            active=True,
            created_by=principal.subject,
            created_at=self.clock(),
        )
        self.repo.add(store)
        await self.repo.flush()
        return _store(store)

    async def put_staff(
        self, merchant_id: uuid.UUID, subject: str, data: StaffPut, principal: Principal
    ) -> StaffRead:
        merchant = await self._merchant(merchant_id, principal)
        store_name = None
        if data.store_id is not None:
            store = await self.repo.store(merchant.id, data.store_id)
            if store is None:
                raise StoreNotFound()
            store_name = store.name
        staff = await self.repo.staff_member(subject)
        if staff is not None and staff.merchant_id != merchant.id:
            raise StaffElsewhere()
        if staff is None:
            staff = MerchantStaff(
                subject=subject,
                merchant_id=merchant.id,
                created_by=principal.subject,
                created_at=self.clock(),
            )
            self.repo.add(staff)
        staff.name, staff.store_id, staff.active = data.name, data.store_id, data.active
        await self.repo.flush()
        return StaffRead(
            subject=subject,
            name=staff.name,
            store_id=staff.store_id,
            store_name=store_name,
            active=staff.active,
        )

    async def put_price(
        self, merchant_id: uuid.UUID, product_id: uuid.UUID, data: PricePut, principal: Principal
    ) -> PriceRead:
        # What we pay a merchant is ours to set, not the merchant's.
        if not principal.platform_operator:
            raise OperatorsOnly("set a merchant's settlement prices")
        merchant = await self._merchant(merchant_id, principal)
        product = await self.repo.session.get(CouponProduct, product_id)
        if product is None:
            raise ProductNotFound("path.product_id")
        price = await self.repo.price(merchant.id, product.id)
        if price is None:
            price = MerchantProduct(merchant_id=merchant.id, product_id=product.id)
            self.repo.add(price)
        price.settlement_price_fen = to_fen(data.settlement_price)
        price.updated_by, price.updated_at = principal.subject, self.clock()
        await self.repo.flush()
        return PriceRead(
            product_id=product.id,
            product_code=product.code,
            product_name=product.name,
            settlement_price=data.settlement_price,
        )

    async def _merchant(self, merchant_id: uuid.UUID, principal: Principal) -> Merchant:
        merchant = await self.repo.get(merchant_id, principal)
        if merchant is None:
            raise MerchantNotFound()
        return merchant

    async def read(self, merchant: Merchant) -> MerchantRead:
        stores = await self.repo.stores(merchant.id)
        names = {s.id: s.name for s in stores}
        staff = await self.repo.staff(merchant.id)
        prices = await self.repo.prices(merchant.id)
        return MerchantRead(
            id=merchant.id,
            org_id=merchant.org_id,
            name=merchant.name,
            region_code=merchant.region_code,
            services=[ServiceKind(s) for s in merchant.services],
            stores=[_store(s) for s in stores],
            staff=[
                StaffRead(
                    subject=s.subject,
                    name=s.name,
                    store_id=s.store_id,
                    store_name=names.get(s.store_id) if s.store_id else None,
                    active=s.active,
                )
                for s in staff
            ],
            prices=[
                PriceRead(
                    product_id=c.id,
                    product_code=c.code,
                    product_name=c.name,
                    settlement_price=from_fen(p.settlement_price_fen),
                )
                for p, c in prices
            ],
            created_by=merchant.created_by,
            created_at=merchant.created_at,
            updated_by=merchant.updated_by,
            updated_at=merchant.updated_at,
        )


def _store(store: MerchantStore) -> StoreRead:
    return StoreRead(
        id=store.id,
        name=store.name,
        address=store.address,
        region_code=store.region_code,
        latitude=store.latitude,
        longitude=store.longitude,
        active=store.active,
    )
