"""Demo data of the mall (idempotent, through the service): 车享商城's 精致洗车套餐 with two SKUs,
and one order paid by WeChat Pay (which asked the order center for its value-added order)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.messaging import Outbox
from servicekit.settings import ServiceSettings
from valueadd.common import clock
from valueadd.coupons.demo import CHEXIANG
from valueadd.coupons.models import ServiceKind
from valueadd.mall.models import MallOrder, MallProduct
from valueadd.mall.repository import MallRepository
from valueadd.mall.schemas import (
    OrderCreate,
    PaymentRecord,
    PaymentResult,
    ProductCreate,
    SkuCreate,
)
from valueadd.mall.service import MallService

CODE = "WASH-PLUS"
TXN = "DEMO-WX-0001"


async def load_mall_demo(session: AsyncSession, outbox: Outbox, settings: ServiceSettings) -> None:
    admin = Principal(
        subject="demo-chexiang-admin", org_id=CHEXIANG, org_type="mall",
        functions=frozenset({"valueadd"}), entry="valueadd", name="车享管理员",
    )  # fmt: skip
    service = MallService(MallRepository(session), outbox, clock.current())
    product = await session.scalar(
        select(MallProduct).where(MallProduct.org_id == CHEXIANG, MallProduct.code == CODE)
    )
    if product is None:
        made = await service.create_product(
            ProductCreate(
                code=CODE, name="精致洗车套餐", service=ServiceKind.wash,
                description="车享洗车门店通用，含内饰清洁",
                skus=[
                    SkuCreate(sku_code="WASH-PLUS-1", name="单次", price=Decimal("39.90"),
                              market_price=Decimal("58.00"), cost=Decimal("25.00"), stock=500),
                    SkuCreate(sku_code="WASH-PLUS-5", name="5 次卡", price=Decimal("179.00"),
                              market_price=Decimal("290.00"), cost=Decimal("120.00"), stock=200),
                ],
            ),
            admin,
        )  # fmt: skip
        sku_id = next(s.id for s in made.skus if s.sku_code == "WASH-PLUS-5")
    else:
        sku_id = next(s.id for s in (await service.product(product.id, admin)).skus
                      if s.sku_code == "WASH-PLUS-5")  # fmt: skip
    paid = await session.scalar(select(MallOrder.id).where(MallOrder.payment_txn_no == TXN))
    if paid is not None:
        return
    order = await service.place_order(
        OrderCreate(sku_id=sku_id, quantity=1, buyer_ref="DEMO-C-0001", buyer_name="张三"), admin
    )
    await service.record_payment(
        order.id,
        PaymentRecord(channel="wechat_pay", transaction_no=TXN, result=PaymentResult.success,
                      amount=order.amount),
        admin,
    )  # fmt: skip
