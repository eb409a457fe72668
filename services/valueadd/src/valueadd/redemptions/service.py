"""核销: merchant staff redeem a coupon once, atomically, and ask the order center for its order."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import NotFound
from servicekit.messaging import Outbox
from shared_schemas import (
    Money,
    OrderCategory,
    OrderDirection,
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestSubmittedV1,
    SellingEntity,
)
from valueadd.common import orderlinks
from valueadd.common.money import from_fen
from valueadd.common.schemas import region_covers
from valueadd.common.types import BUSINESS_TZ, business_day
from valueadd.coupons import codes
from valueadd.coupons.errors import CouponNotFound
from valueadd.coupons.models import Coupon, CouponProduct, CouponStatus, trail_row
from valueadd.coupons.repository import CouponRepository
from valueadd.merchants.errors import NotMerchantStaff, StoreNotFound
from valueadd.merchants.models import Merchant, MerchantProduct, MerchantStaff, MerchantStore
from valueadd.merchants.repository import MerchantRepository
from valueadd.redemptions.errors import (
    AlreadyRedeemed,
    CarModelNotAllowed,
    CodeInvalid,
    CouponExpired,
    CouponNotYetValid,
    CouponVoided,
    IdempotencyKeyReused,
    ProductNotRedeemableHere,
    RegionNotAllowed,
)
from valueadd.redemptions.models import Redemption
from valueadd.redemptions.repository import RedemptionRepository
from valueadd.redemptions.schemas import (
    RedeemRequest,
    RedemptionCheck,
    RedemptionPage,
    RedemptionRead,
    StatsDimension,
    StatsRow,
)

#: The value-added redemption order's VAT rate (现代服务 6 %).
TAX_RATE = Decimal("0.06")
MODULE = "redemption"


class RedemptionService:
    def __init__(self, repo: RedemptionRepository, outbox: Outbox, clock: Clock) -> None:
        self.repo = repo
        self.coupons = CouponRepository(repo.session)
        self.merchants = MerchantRepository(repo.session)
        self.outbox = outbox
        self.clock = clock

    async def redeem(
        self, data: RedeemRequest, principal: Principal, idempotency_key: str | None
    ) -> tuple[RedemptionRead, bool]:
        """(the redemption, True) — or the first answer to the same idempotency key (False)."""
        # SQLite: take the write lock before reading, so the checks stay true until the commit.
        await serialize_writers(self.repo.session)
        staff, merchant = await self._staff(principal)
        if idempotency_key:
            earlier = await self._earlier(merchant.id, idempotency_key, data.code)
            if earlier is not None:
                return earlier, False
        now = self.clock()
        store, coupon, product, price = await self._checked(data, staff, merchant, now)
        # The one guard that counts under concurrency: only a coupon still issued moves.
        moved = await self.coupons.move(
            [coupon.id], CouponStatus.issued, CouponStatus.redeemed, now, redeemed_at=now
        )
        if not moved:
            if idempotency_key:  # the same request, retried while the first was committing
                earlier = await self._earlier(merchant.id, idempotency_key, data.code)
                if earlier is not None:
                    return earlier, False
            raise AlreadyRedeemed()
        location = {
            "province_code": store.region_code[:2] + "0000",
            "city_code": store.region_code[:4] + "00",
            "text": store.address,
        }
        redemption = Redemption(
            redemption_no=f"HX{coupon.code}",
            coupon_id=coupon.id,
            coupon_code=coupon.code,
            product_id=product.id,
            product_code=product.code,
            product_name=product.name,
            batch_kind=coupon.batch_kind,
            billed_org_id=coupon.billed_org_id,
            merchant_id=merchant.id,
            merchant_org_id=merchant.org_id,
            merchant_name=merchant.name,
            store_id=store.id,
            store_name=store.name,
            region_code=store.region_code,
            staff_subject=staff.subject,
            staff_name=staff.name,
            redeemed_at=now,
            car_model=data.car_model,
            location=location,
            latitude=data.latitude if data.latitude is not None else store.latitude,
            longitude=data.longitude if data.longitude is not None else store.longitude,
            idempotency_key=idempotency_key,
            settlement_price_fen=price.settlement_price_fen,
            insurer_price_fen=product.insurer_price_fen,
            face_value_fen=product.face_value_fen,
        )
        self.repo.add(redemption)
        await self.repo.flush()
        await self.coupons.add_trail(
            [
                trail_row(
                    coupon.id,
                    CouponStatus.issued.value,
                    CouponStatus.redeemed.value,
                    now,
                    staff.subject,
                    f"{merchant.name} {store.name} 核销",
                )
            ]
        )
        if redemption.settlement_price_fen > 0:
            await orderlinks.request_order(
                self.repo.session, self.outbox, order_request(redemption, merchant), now
            )
        return read(redemption, None), True

    async def check(self, data: RedeemRequest, principal: Principal) -> RedemptionCheck:
        """Every check of a redemption, writing nothing: what the staff sees before redeeming."""
        staff, merchant = await self._staff(principal)
        store, coupon, product, price = await self._checked(data, staff, merchant, self.clock())
        return RedemptionCheck(
            coupon_code=codes.display(coupon.code),
            product_code=product.code,
            product_name=product.name,
            face_value=from_fen(product.face_value_fen),
            holder_name=mask_name(coupon.holder_name),
            plate_no=coupon.plate_no,
            valid_from=coupon.valid_from,
            valid_to=coupon.valid_to,
            merchant_name=merchant.name,
            store_name=store.name,
            settlement_price=from_fen(price.settlement_price_fen),
        )

    async def _checked(
        self, data: RedeemRequest, staff: MerchantStaff, merchant: Merchant, now: datetime
    ) -> tuple[MerchantStore, Coupon, CouponProduct, MerchantProduct]:
        store = await self.merchants.store(
            merchant.id, data.store_id or staff.store_id or uuid.UUID(int=0)
        )
        if store is None or not store.active:
            raise StoreNotFound()
        code = codes.normalise(data.code)
        if code is None:
            raise CodeInvalid()
        coupon = await self.coupons.coupon_by_code(code)
        if coupon is None:
            raise CouponNotFound()
        product = await self.coupons.product(coupon.product_id)
        assert product is not None
        self._check(coupon, product, business_day(now), store.region_code, data.car_model)
        price = await self.merchants.price(merchant.id, product.id)
        if price is None:
            raise ProductNotRedeemableHere(product.name)
        return store, coupon, product, price

    def _check(
        self,
        coupon: Coupon,
        product: CouponProduct,
        today: date,
        region: str,
        car_model: str | None,
    ) -> None:
        status = CouponStatus(coupon.status)
        if status in (CouponStatus.redeemed, CouponStatus.settled):
            raise AlreadyRedeemed()
        if status is CouponStatus.voided:
            raise CouponVoided()
        if status is CouponStatus.expired or today > coupon.valid_to:
            raise CouponExpired(coupon.valid_to.isoformat())
        if today < coupon.valid_from:
            raise CouponNotYetValid(coupon.valid_from.isoformat())
        if product.region_codes and not any(region_covers(r, region) for r in product.region_codes):
            raise RegionNotAllowed(region)
        if product.car_models and (car_model or "") not in product.car_models:
            raise CarModelNotAllowed()

    async def _staff(self, principal: Principal) -> tuple[MerchantStaff, Merchant]:
        """Registered staff (tied to their store), or else any user of the merchant's
        institution holding the redeem function, at the store the request names."""
        staff = await self.merchants.staff_member(principal.subject)
        if staff is not None and not staff.active:
            raise NotMerchantStaff()
        if staff is None:
            merchant = await self.merchants.by_org(principal.org_id) if principal.org_id else None
            if merchant is None:
                raise NotMerchantStaff()
            staff = MerchantStaff(
                subject=principal.subject,
                merchant_id=merchant.id,
                name=principal.name or principal.subject,
                store_id=None,
            )
            return staff, merchant
        merchant = await self.repo.session.get(Merchant, staff.merchant_id)
        # Staff redeem for their own institution only, whatever the token says besides.
        if merchant is None or merchant.org_id != principal.org_id:
            raise NotMerchantStaff()
        return staff, merchant

    async def _earlier(self, merchant_id: uuid.UUID, key: str, code: str) -> RedemptionRead | None:
        earlier = await self.repo.by_key(merchant_id, key)
        if earlier is None:
            return None
        if earlier.coupon_code != codes.normalise(code):
            raise IdempotencyKeyReused()
        nos = await self.repo.order_nos([source_ref(earlier)])
        return read(earlier, nos.get(source_ref(earlier)))

    async def search(
        self,
        principal: Principal,
        merchant_id: uuid.UUID | None,
        date_from: date | None,
        date_to: date | None,
        code: str | None,
        limit: int,
        offset: int,
    ) -> RedemptionPage:
        start, end = day_range(date_from, date_to)
        normal = codes.normalise(code) if code else None
        rows, total = await self.repo.search(
            principal, merchant_id, start, end, normal, limit, offset
        )
        nos = await self.repo.order_nos([source_ref(r) for r in rows])
        return RedemptionPage(items=[read(r, nos.get(source_ref(r))) for r in rows], total=total)

    async def get(self, redemption_id: uuid.UUID, principal: Principal) -> RedemptionRead:
        redemption = await self.repo.get(redemption_id, principal)
        if redemption is None:
            raise NotFound("No such redemption that you may see.", code="redemption_not_found")
        nos = await self.repo.order_nos([source_ref(redemption)])
        return read(redemption, nos.get(source_ref(redemption)))

    async def stats(
        self,
        principal: Principal,
        by: StatsDimension,
        merchant_id: uuid.UUID | None,
        date_from: date | None,
        date_to: date | None,
    ) -> list[StatsRow]:
        start, end = day_range(date_from, date_to)
        if by is StatsDimension.hour:
            counts = {h: [0, 0] for h in range(24)}
            for at, fen in await self.repo.times_and_prices(principal, merchant_id, start, end):
                bucket = counts[at.astimezone(BUSINESS_TZ).hour]
                bucket[0] += 1
                bucket[1] += fen
            return [
                StatsRow(key=str(h), label=f"{h:02d}:00", count=n, settlement_amount=from_fen(s))
                for h, (n, s) in counts.items()
            ]
        column, label = {
            StatsDimension.merchant: (Redemption.merchant_id, Redemption.merchant_name),
            StatsDimension.product: (Redemption.product_code, Redemption.product_name),
            StatsDimension.region: (Redemption.region_code, Redemption.region_code),
        }[by]
        rows = await self.repo.grouped(principal, column, label, merchant_id, start, end)
        return [
            StatsRow(key=k, label=lbl, count=n, settlement_amount=from_fen(s))
            for k, lbl, n, s in rows
        ]


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough for the staff to ask, not to know."""
    if not name:
        return None
    return name[0] + "*" * (len(name) - 1)


def source_ref(redemption: Redemption) -> str:
    return f"{MODULE}:{redemption.redemption_no}"


def order_request(redemption: Redemption, merchant: Merchant) -> OrderRequestSubmittedV1:
    """The value_added_redemption order, with the extension data orders' analyses read."""
    price = Money.from_fen(redemption.settlement_price_fen)
    return OrderRequestSubmittedV1(
        source_service=orderlinks.SOURCE_SERVICE,
        source_ref=source_ref(redemption),
        source_no=redemption.redemption_no,
        category=OrderCategory.value_added_redemption,
        direction=OrderDirection.payable,
        customer_org_id=merchant.org_id,
        counterparty=OrderRequestCounterparty(
            kind="org", id=str(merchant.org_id), name=merchant.name
        ),
        seller=SellingEntity.technology_company,
        tax_rate=TAX_RATE,
        amount=price,
        lines=[
            OrderRequestLine(
                description=f"{redemption.product_name}核销",
                quantity=Decimal(1),
                unit_price=price,
                amount=price,
                ref=redemption.redemption_no,
            )
        ],
        sign_date=business_day(redemption.redeemed_at),
        extension={
            "coupon_used_at": redemption.redeemed_at.isoformat(),
            "car_model": redemption.car_model,
            "location": redemption.location,
            "merchant": {"id": str(merchant.id), "name": merchant.name},
            "product": {"id": redemption.product_code, "name": redemption.product_name},
        },
        requested_by=redemption.staff_subject,
    )


def day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Shanghai days [first, last] as instants [start, end)."""
    start = datetime.combine(first, time(), BUSINESS_TZ) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), BUSINESS_TZ) if last else None
    return start, end


def read(r: Redemption, order_no: str | None) -> RedemptionRead:
    return RedemptionRead(
        id=r.id,
        redemption_no=r.redemption_no,
        coupon_code=codes.display(r.coupon_code),
        product_code=r.product_code,
        product_name=r.product_name,
        merchant_id=r.merchant_id,
        merchant_name=r.merchant_name,
        store_name=r.store_name,
        region_code=r.region_code,
        staff_name=r.staff_name,
        redeemed_at=r.redeemed_at,
        car_model=r.car_model,
        settlement_price=from_fen(r.settlement_price_fen),
        statement_id=r.statement_id,
        order_no=order_no,
    )
