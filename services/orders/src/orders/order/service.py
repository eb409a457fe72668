"""Order creation: idempotent by source reference, trajectory from the first step, event out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from orders.order.models import Order, OrderStatusChange
from orders.order.repository import OrderRepository
from orders.order.schemas import OrderCreate, OrderRead, StatusChangeRead
from servicekit.auth import Principal
from servicekit.errors import Conflict, Forbidden, NotFound
from servicekit.messaging import Outbox
from servicekit.observability import request_id_var
from shared_schemas import Money, OrderCreatedV1, OrderStatus, new_event

PRODUCER = "orders"
#: Order numbers carry the business date in China, not the UTC date.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


class OrderService:
    def __init__(self, repository: OrderRepository, outbox: Outbox) -> None:
        self.repo = repository
        self.outbox = outbox

    async def create(self, data: OrderCreate, principal: Principal) -> tuple[OrderRead, bool]:
        """Returns the order and whether it was created now (False: the same source existed)."""
        if not principal.may_see_org(data.customer_org_id):
            raise Forbidden(
                "You may create orders only for your own institution or those below it.",
                code="org_not_visible",
            )
        existing = await self.repo.by_source(data.source_service, data.source_ref)
        if existing is None:
            order = await self._insert(data, principal)
            if order is not None:
                return await self._read(order), True
            existing = await self.repo.by_source(data.source_service, data.source_ref)
            assert existing is not None
        self._ensure_same(existing, data)
        return await self._read(existing), False

    async def get(self, order_id: uuid.UUID, principal: Principal) -> OrderRead:
        order = await self.repo.visible_by_id(order_id, principal)
        if order is None:
            raise NotFound(f"No order {order_id} that you may see.", code="order_not_found")
        return await self._read(order)

    async def _insert(self, data: OrderCreate, principal: Principal) -> Order | None:
        now = datetime.now(UTC)
        day = now.astimezone(BUSINESS_TZ).strftime("%Y%m%d")
        number = await self.repo.next_order_number(day)
        order = Order(
            id=uuid.uuid4(),
            order_no=f"OC{day}{number:06d}",
            category=data.category.value,
            direction=data.direction.value,
            customer_org_id=data.customer_org_id,
            amount_fen=Money(amount=data.amount).fen,
            source_service=data.source_service,
            source_ref=data.source_ref,
            status=OrderStatus.created.value,
            sign_date=data.sign_date,
            created_by=principal.subject,
            created_at=now,
        )
        first_step = OrderStatusChange(
            order_id=order.id,
            from_status=None,
            to_status=OrderStatus.created.value,
            at=now,
            by=principal.subject,
            cause=request_id_var.get(),
            note=None,
        )
        if not await self.repo.add_new(order, first_step):
            return None
        event = new_event(
            "orders.order.created",
            OrderCreatedV1(
                order_id=order.id,
                order_no=order.order_no,
                category=data.category,
                direction=data.direction,
                customer_org_id=order.customer_org_id,
                amount=Money.from_fen(order.amount_fen),
                source_service=order.source_service,
                source_ref=order.source_ref,
                sign_date=order.sign_date,
                created_by=order.created_by,
            ),
            producer=PRODUCER,
            aggregate_id=order.id,
            org_id=order.customer_org_id,
            correlation_id=request_id_var.get(),
        )
        await self.outbox.add(self.repo.session, event)
        return order

    @staticmethod
    def _ensure_same(existing: Order, data: OrderCreate) -> None:
        same = (
            existing.category == data.category.value
            and existing.direction == data.direction.value
            and existing.customer_org_id == data.customer_org_id
            and existing.amount_fen == Money(amount=data.amount).fen
        )
        if not same:
            raise Conflict(
                f"Source reference {data.source_service}/{data.source_ref} already made order "
                f"{existing.order_no} with different content; use a new source_ref.",
                code="source_ref_reused",
            )

    async def _read(self, order: Order) -> OrderRead:
        steps = await self.repo.trajectory(order.id)
        return OrderRead(
            id=order.id,
            order_no=order.order_no,
            category=order.category,
            direction=order.direction,
            customer_org_id=order.customer_org_id,
            amount=Money.from_fen(order.amount_fen).amount,
            status=order.status,
            source_service=order.source_service,
            source_ref=order.source_ref,
            sign_date=order.sign_date,
            created_by=order.created_by,
            created_at=order.created_at,
            trajectory=[StatusChangeRead.model_validate(s) for s in steps],
        )
