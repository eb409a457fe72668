"""商城: products and SKUs, orders with a guarded stock decrement, the channel's payment result
recorded once, and a paid order's value-added order asked of the order center."""

from __future__ import annotations

import uuid
from decimal import Decimal

from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.db import serialize_writers
from servicekit.errors import Forbidden
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
from valueadd.common.money import from_fen, to_fen
from valueadd.common.numbers import next_number
from valueadd.common.types import business_day
from valueadd.coupons.models import ServiceKind
from valueadd.mall.errors import (
    MallCodeTaken,
    MallOrderNotFound,
    MallProductNotFound,
    OutOfStock,
    PaymentAlreadyRecorded,
    PaymentAmountMismatch,
    SkuNotFound,
    TransactionReused,
)
from valueadd.mall.models import TRANSITIONS, MallOrder, MallProduct, MallSku, PaymentState
from valueadd.mall.repository import MallRepository
from valueadd.mall.schemas import (
    MallOrderPage,
    MallOrderRead,
    OrderCreate,
    PaymentRecord,
    PaymentResult,
    ProductCreate,
    ProductRead,
    SkuRead,
)

TAX_RATE = Decimal("0.06")
MODULE = "mall-order"


class MallService:
    def __init__(self, repo: MallRepository, outbox: Outbox, clock: Clock) -> None:
        self.repo = repo
        self.outbox = outbox
        self.clock = clock

    async def create_product(self, data: ProductCreate, principal: Principal) -> ProductRead:
        org = _own_org(principal)
        await serialize_writers(self.repo.session)
        if await self.repo.code_taken(org, data.code):
            raise MallCodeTaken("body.code")
        codes = [s.sku_code for s in data.skus]
        for i, code in enumerate(codes):
            if code in codes[:i]:
                raise MallCodeTaken(f"body.skus.{i}.sku_code")
        taken = await self.repo.sku_codes_taken(org, codes)
        if taken:
            raise MallCodeTaken(f"body.skus.{codes.index(sorted(taken)[0])}.sku_code")
        now = self.clock()
        product = MallProduct(
            id=uuid.uuid4(), org_id=org, code=data.code, name=data.name, service=data.service.value,
            description=data.description, active=True, created_by=principal.subject, created_at=now,
        )  # fmt: skip
        self.repo.add(product)
        await self.repo.flush()
        for s in data.skus:
            self.repo.add(
                MallSku(
                    product_id=product.id,
                    org_id=org,
                    sku_code=s.sku_code,
                    name=s.name,
                    price_fen=to_fen(s.price),
                    market_price_fen=to_fen(s.market_price),
                    cost_fen=to_fen(s.cost),
                    stock=s.stock,
                    created_by=principal.subject,
                    created_at=now,
                )
            )
        await self.repo.flush()
        return (await self._read([product]))[0]

    async def products(self, principal: Principal) -> list[ProductRead]:
        return await self._read(list(await self.repo.products(principal)))

    async def product(self, product_id: uuid.UUID, principal: Principal) -> ProductRead:
        product = await self.repo.product(product_id, principal)
        if product is None:
            raise MallProductNotFound()
        return (await self._read([product]))[0]

    async def add_stock(self, sku_id: uuid.UUID, count: int, principal: Principal) -> SkuRead:
        sku = await self.repo.sku(sku_id, principal)
        if sku is None:
            raise MallProductNotFound()
        await self.repo.give_stock(sku.id, count)
        await self.repo.session.refresh(sku)
        return _sku(sku)

    async def place_order(self, data: OrderCreate, principal: Principal) -> MallOrderRead:
        sku = await self.repo.sku(data.sku_id, principal)
        if sku is None:
            raise SkuNotFound()
        product = await self.repo.session.get(MallProduct, sku.product_id)
        assert product is not None
        if not await self.repo.take_stock(sku.id, data.quantity):
            raise OutOfStock(await self.repo.stock_left(sku.id))
        now = self.clock()
        order = MallOrder(
            order_no=await next_number(self.repo.session, "SC", now), org_id=sku.org_id,
            sku_id=sku.id, product_name=product.name, sku_name=sku.name, sku_code=sku.sku_code,
            quantity=data.quantity, unit_price_fen=sku.price_fen,
            amount_fen=sku.price_fen * data.quantity, cost_fen=sku.cost_fen * data.quantity,
            buyer_ref=data.buyer_ref, buyer_name=data.buyer_name,
            status=PaymentState.pending_payment.value, created_by=principal.subject,
            created_at=now,
        )  # fmt: skip
        self.repo.add(order)
        await self.repo.flush()
        return _order(order, None)

    async def record_payment(
        self, order_id: uuid.UUID, data: PaymentRecord, principal: Principal
    ) -> tuple[MallOrderRead, bool]:
        """(the order, True) when this result moved it; (the order, False) for the same result
        reported again (a channel's retried notification changes nothing)."""
        await serialize_writers(self.repo.session)
        order = await self.repo.order(order_id, principal)
        if order is None:
            raise MallOrderNotFound()
        earlier = await self.repo.by_transaction(data.channel, data.transaction_no)
        if earlier is not None and earlier.id != order.id:
            raise TransactionReused()
        if (order.payment_channel, order.payment_txn_no) == (data.channel, data.transaction_no):
            return await self._answer(order), False
        if to_fen(data.amount) != order.amount_fen:
            raise PaymentAmountMismatch(f"{from_fen(order.amount_fen):.2f}")
        target = (
            PaymentState.paid
            if data.result is PaymentResult.success
            else PaymentState.payment_failed
        )
        if target not in TRANSITIONS[PaymentState(order.status)]:
            raise PaymentAlreadyRecorded()
        now = self.clock()
        moved = await self.repo.move_order(
            order.id, PaymentState.pending_payment.value, target.value,
            payment_channel=data.channel, payment_txn_no=data.transaction_no,
            payment_recorded_by=principal.subject,
            paid_at=now if target is PaymentState.paid else None,
        )  # fmt: skip
        if not moved:
            raise PaymentAlreadyRecorded()
        await self.repo.refresh(order)
        if target is PaymentState.payment_failed:
            await self.repo.give_stock(order.sku_id, order.quantity)
        elif order.amount_fen > 0:
            await orderlinks.request_order(
                self.repo.session, self.outbox, order_request(order), now
            )
        return await self._answer(order), True

    async def orders(
        self, principal: Principal, status: PaymentState | None, order_no: str | None,
        limit: int, offset: int,
    ) -> MallOrderPage:  # fmt: skip
        rows, total = await self.repo.orders(
            principal, status.value if status else None, order_no, limit, offset
        )
        nos = await self.repo.order_nos([source_ref(o) for o in rows])
        return MallOrderPage(items=[_order(o, nos.get(source_ref(o))) for o in rows], total=total)

    async def order(self, order_id: uuid.UUID, principal: Principal) -> MallOrderRead:
        order = await self.repo.order(order_id, principal)
        if order is None:
            raise MallOrderNotFound()
        return await self._answer(order)

    async def _answer(self, order: MallOrder) -> MallOrderRead:
        nos = await self.repo.order_nos([source_ref(order)])
        return _order(order, nos.get(source_ref(order)))

    async def _read(self, products: list[MallProduct]) -> list[ProductRead]:
        skus = await self.repo.skus_of([p.id for p in products])
        return [
            ProductRead(
                id=p.id,
                code=p.code,
                name=p.name,
                service=ServiceKind(p.service),
                description=p.description,
                active=p.active,
                skus=[_sku(s) for s in skus if s.product_id == p.id],
                created_by=p.created_by,
                created_at=p.created_at,
            )
            for p in products
        ]


def _own_org(principal: Principal) -> uuid.UUID:
    if principal.org_id is None:
        raise Forbidden("A mall belongs to an institution.", code="forbidden")
    return principal.org_id


def source_ref(order: MallOrder) -> str:
    return f"{MODULE}:{order.order_no}"


def order_request(order: MallOrder) -> OrderRequestSubmittedV1:
    """A paid mall order's value-added order: receivable, what the buyer paid, one line.

    No extension data: the order center's value-added extension describes a coupon *used* at
    a merchant (use time, merchant, product — what its usage analyses read), and a sale is not
    a use; an extension of the mall's own fields is rejected (`extension_invalid`). The buyer,
    channel and payment time stay on valueadd's mall order (source no. = the mall order no.)."""
    amount = Money.from_fen(order.amount_fen)
    return OrderRequestSubmittedV1(
        source_service=orderlinks.SOURCE_SERVICE,
        source_ref=source_ref(order),
        source_no=order.order_no,
        category=OrderCategory.value_added_redemption,
        direction=OrderDirection.receivable,
        customer_org_id=order.org_id,
        counterparty=OrderRequestCounterparty(
            kind="org", id=str(order.org_id), name=order.buyer_name or order.buyer_ref
        ),
        seller=SellingEntity.technology_company,
        tax_rate=TAX_RATE,
        amount=amount,
        lines=[
            OrderRequestLine(
                description=f"{order.product_name} {order.sku_name}",
                quantity=Decimal(order.quantity),
                unit_price=Money.from_fen(order.unit_price_fen),
                amount=amount,
                ref=order.sku_code,
            )
        ],
        sign_date=business_day(order.paid_at or order.created_at),
        requested_by=order.payment_recorded_by or order.created_by,
    )


def _sku(s: MallSku) -> SkuRead:
    return SkuRead(
        id=s.id, sku_code=s.sku_code, name=s.name, price=from_fen(s.price_fen),
        market_price=from_fen(s.market_price_fen), cost=from_fen(s.cost_fen), stock=s.stock,
    )  # fmt: skip


def _order(o: MallOrder, center_no: str | None) -> MallOrderRead:
    return MallOrderRead(
        id=o.id, order_no=o.order_no, product_name=o.product_name, sku_code=o.sku_code,
        sku_name=o.sku_name, quantity=o.quantity, unit_price=from_fen(o.unit_price_fen),
        amount=from_fen(o.amount_fen), buyer_ref=o.buyer_ref, buyer_name=o.buyer_name,
        status=PaymentState(o.status), payment_channel=o.payment_channel,
        payment_txn_no=o.payment_txn_no, paid_at=o.paid_at, created_by=o.created_by,
        created_at=o.created_at, center_order_no=center_no,
    )  # fmt: skip
