"""Demo data of the coupon modules (idempotent, through the services): flow 1 at 车享.

An insurer rule (PICC 商业险 → 2 标准洗车券 per policy, billed to 华成) issued coupons for a demo
policy; one was redeemed at 车享's 徐汇店; the month's statement was confirmed (which asked for the
merchant payout and the insurer settlement orders).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from shared_schemas import InsuranceLine
from valueadd.common import clock
from valueadd.common.types import business_day
from valueadd.coupons.models import Coupon, IssueRule, ServiceKind, ValidityKind
from valueadd.coupons.repository import CouponRepository
from valueadd.coupons.schemas import PolicyFacts, ProductCreate, RuleCreate
from valueadd.coupons.service import CouponService
from valueadd.merchants.repository import MerchantRepository
from valueadd.merchants.schemas import MerchantCreate, PricePut, StaffPut, StoreCreate
from valueadd.merchants.service import MerchantService
from valueadd.redemptions.repository import RedemptionRepository
from valueadd.redemptions.schemas import RedeemRequest
from valueadd.redemptions.service import RedemptionService
from valueadd.statements.models import Statement, StatementStatus
from valueadd.statements.repository import StatementRepository
from valueadd.statements.schemas import StatementCreate
from valueadd.statements.service import StatementService


def demo_org_id(slug: str) -> uuid.UUID:
    """The id sso's demo data gives the institution (uuid5 of a fixed name)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"platform-demo/org/{slug}")


TECH = demo_org_id("technology-platform")
CHEXIANG = demo_org_id("mall-chexiang")
HUACHENG = demo_org_id("agency-huacheng")
ALL = frozenset({"valueadd"})


def _principal(org: uuid.UUID, subject: str, *, operator: bool) -> Principal:
    return Principal(
        subject=subject,
        org_id=org,
        org_type=None,
        functions=ALL,
        entry="valueadd",
        platform_operator=operator,
        name=subject,
    )


async def load_coupon_demo(
    session: AsyncSession, outbox: Outbox, settings: ServiceSettings
) -> None:
    now = clock.current()
    operator = _principal(TECH, "demo-data", operator=True)
    coupons = CouponService(CouponRepository(session), now)
    repo = CouponRepository(session)
    product = await repo.product_by_code("WASH-STD")
    if product is None:
        await coupons.create_product(
            ProductCreate(
                code="WASH-STD",
                name="标准洗车券",
                service=ServiceKind.wash,
                face_value="50.00",
                insurer_price="45.00",
                settlement_price="30.00",
                validity_kind=ValidityKind.days_after_issue,
                valid_days=3650,
                region_codes=["310000"],
            ),
            operator,
        )
        product = await repo.product_by_code("WASH-STD")
    assert product is not None
    merchants = MerchantService(MerchantRepository(session), now)
    merchant = await MerchantRepository(session).by_org(CHEXIANG)
    if merchant is None:
        made = await merchants.create(
            MerchantCreate(
                org_id=CHEXIANG,
                name="车享商城",
                region_code="310100",
                services=[ServiceKind.wash],
            ),
            operator,
        )
        store = await merchants.add_store(
            made.id,
            StoreCreate(
                name="车享洗车徐汇店",
                address="上海市徐汇区漕溪北路88号",
                region_code="310104",
                latitude="31.188000",
                longitude="121.437000",
            ),
            operator,
        )
        await merchants.put_staff(
            made.id, "demo-chexiang-staff", StaffPut(name="车享店员", store_id=store.id), operator
        )
        await merchants.put_price(made.id, product.id, PricePut(settlement_price="28.50"), operator)
        merchant = await MerchantRepository(session).by_org(CHEXIANG)
    assert merchant is not None
    rule = await session.scalar(select(IssueRule).where(IssueRule.insurer_code == "PICC"))
    if rule is None:
        await coupons.create_rule(
            RuleCreate(
                insurer_code="PICC",
                insurer_name="中国人民财产保险",
                line=InsuranceLine.car_commercial,
                product_id=product.id,
                quantity_per_policy=2,
                billed_org_id=HUACHENG,
            ),
            operator,
        )
    policy_no = "PDAA202631010000001"
    await coupons.issue_for_policy(
        PolicyFacts(
            policy_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "platform-demo/policy/1")),
            policy_no=policy_no,
            insurer_code="PICC",
            insurer_name="中国人民财产保险",
            line=InsuranceLine.car_commercial,
            product_code="DAA",
            customer_ref="DEMO-CUS-1",
            customer_name="张三",
            customer_mobile_masked="138****1234",
            plate_no="沪A12345",
            issued_at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
        )
    )
    first = await session.scalar(
        select(Coupon)
        .where(Coupon.policy_no == policy_no, Coupon.product_id == product.id)
        .order_by(Coupon.code)
        .limit(1)
    )
    assert first is not None
    staff = _principal(CHEXIANG, "demo-chexiang-staff", operator=False)
    redemptions = RedemptionService(RedemptionRepository(session), outbox, now)
    await redemptions.redeem(
        RedeemRequest(code=first.code, car_model="比亚迪 秦PLUS"), staff, "demo-redemption-1"
    )
    statements = StatementService(StatementRepository(session), outbox, now)
    existing = await session.scalar(select(Statement).where(Statement.merchant_id == merchant.id))
    if existing is None:
        today = business_day(now())
        made_statement = await statements.create(
            StatementCreate(
                merchant_id=merchant.id, period_from=today.replace(day=1), period_to=today
            ),
            operator,
        )
        existing = await session.get(Statement, made_statement.id)
    assert existing is not None
    if existing.status == StatementStatus.open.value:
        await statements.confirm(
            existing.id, _principal(CHEXIANG, "demo-chexiang-admin", operator=False)
        )
