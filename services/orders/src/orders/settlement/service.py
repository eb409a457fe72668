"""Settlement lists (结算清单): preview the closed deals (成交: orders created or
reconciled, not yet invoiced or billed) a selection covers, then bill them in
one receivable order — created through `OrderService.create` (trajectory, orders.order.created),
one line per listed order — and ask finance to invoice it (`orders.settlement_list.created`),
all in the request's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from orders.order import lifecycle
from orders.order.models import Order
from orders.order.schemas import OrderCreate, OrderLineIn
from orders.order.service import PRODUCER, OrderService, StepContext, summary
from orders.settlement.models import SettlementList
from orders.settlement.repository import SOURCE_SERVICE, SettlementRepository
from orders.settlement.schemas import (
    MAX_ORDERS,
    SettlementCreate,
    SettlementListRead,
    SettlementPreview,
    SettlementSelection,
)
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from servicekit.messaging import Outbox
from servicekit.observability import request_id_var
from shared_schemas import Money, OrderDirection, OrderStatus, SettlementListCreatedV1, new_event


class SettlementListNotFound(NotFound):
    code = "settlement_list_not_found"

    def __init__(self, list_id: uuid.UUID) -> None:
        super().__init__(f"No settlement list {list_id} that you may see.")


class SettlementService:
    def __init__(
        self,
        repository: SettlementRepository,
        orders: OrderService,
        outbox: Outbox,
        clock: Clock = utc_now,
    ):
        self.repo = repository
        self.orders = orders
        self.outbox = outbox
        self.clock = clock

    async def _selected(
        self, selection: SettlementSelection, principal: Principal, limit: int
    ) -> Sequence[Order]:
        if not principal.may_see_org(selection.customer_org_id):
            raise Forbidden(
                "You may settle only your own institution's orders or those below it.",
                code="org_not_visible",
            )
        return await self.repo.selectable(
            selection.customer_org_id,
            selection.category.value,
            (selection.sign_date_from, selection.sign_date_to),
            principal,
            limit,
        )

    async def preview(
        self, selection: SettlementSelection, principal: Principal
    ) -> SettlementPreview:
        orders = await self._selected(selection, principal, MAX_ORDERS + 1)
        return SettlementPreview(
            count=len(orders),
            amount=Money.from_fen(sum(o.amount_fen for o in orders)).amount,
            orders=[summary(o) for o in orders[:MAX_ORDERS]],
        )

    async def create(self, data: SettlementCreate, principal: Principal) -> SettlementListRead:
        orders = await self._selected(data, principal, MAX_ORDERS + 1)
        if not orders:
            raise Unprocessable(
                "No deal of that selection is left to settle (none signed in the range, or all billed).",
                code="nothing_to_settle",
            )
        if len(orders) > MAX_ORDERS:
            raise Unprocessable(
                f"More than {MAX_ORDERS} orders: narrow the sign-date range.",
                code="too_many_orders",
                errors=[{"field": "body.sign_date_to", "code": "too_many_orders",
                         "message": f"at most {MAX_ORDERS} orders per list"}],
            )  # fmt: skip
        list_id = uuid.uuid4()
        amount_fen = sum(o.amount_fen for o in orders)
        billing, _ = await self.orders.create(
            OrderCreate(
                category=data.category,
                direction=OrderDirection.receivable,
                customer_org_id=data.customer_org_id,
                source_service=SOURCE_SERVICE,
                source_ref=str(list_id),
                seller=data.seller,
                tax_rate=data.tax_rate,
                lines=[
                    OrderLineIn(
                        description=f"{o.order_no} {o.sign_date}",
                        quantity=1,
                        unit_price=Money.from_fen(o.amount_fen).amount,
                    )
                    for o in orders
                ],
            ),
            principal,
        )
        settlement = SettlementList(
            id=list_id,
            list_no="SL" + billing.order_no.removeprefix("OC"),
            order_id=billing.id,
            customer_org_id=data.customer_org_id,
            category=data.category.value,
            sign_date_from=data.sign_date_from,
            sign_date_to=data.sign_date_to,
            order_count=len(orders),
            amount_fen=amount_fen,
            created_by=principal.subject,
            created_at=self.clock(),
        )
        if not await self.repo.add(settlement, [o.id for o in orders]):
            raise Conflict(
                "Another settlement list took some of these orders meanwhile; preview again.",
                code="orders_already_listed",
            )
        await self._bill(settlement, billing.id, orders, principal)
        event = new_event(
            "orders.settlement_list.created",
            SettlementListCreatedV1(
                settlement_list_id=list_id,
                list_no=settlement.list_no,
                order_id=billing.id,
                order_no=billing.order_no,
                customer_org_id=data.customer_org_id,
                category=data.category,
                amount=Money.from_fen(amount_fen),
                order_count=len(orders),
                sign_date_from=data.sign_date_from,
                sign_date_to=data.sign_date_to,
                created_by=principal.subject,
            ),
            producer=PRODUCER,
            aggregate_id=list_id,
            org_id=data.customer_org_id,
            correlation_id=request_id_var.get(),
            occurred_at=settlement.created_at,
        )
        await self.outbox.add(self.repo.session, event)
        return await self._read(settlement, principal)

    async def _bill(
        self,
        settlement: SettlementList,
        billing_id: uuid.UUID,
        deals: Sequence[Order],
        principal: Principal,
    ) -> None:
        """The billing order and every deal it lists belong to the list from now on: finance's
        events on the billing order move the deals as well (orders.settlement.billing), and
        the list is their reconciliation (对账) — created ones take the table's `listed` step."""
        context = StepContext(
            by=principal.subject,
            cause=request_id_var.get(),
            note=f"结算清单 {settlement.list_no}",
            by_name=principal.name,
        )
        for order_id in [billing_id, *(d.id for d in deals)]:
            order = await self.orders.repo.lock(order_id)
            assert order is not None  # created or selected in this transaction
            order.settlement_list_id = settlement.id
            step = lifecycle.listed(OrderStatus(order.status))
            if step is not None:
                await self.orders.move(order, step, context)
        await self.orders.repo.save()

    async def get(self, list_id: uuid.UUID, principal: Principal) -> SettlementListRead:
        settlement = await self.repo.visible(list_id, principal)
        if settlement is None:
            raise SettlementListNotFound(list_id)
        return await self._read(settlement, principal)

    async def _read(self, s: SettlementList, principal: Principal) -> SettlementListRead:
        return SettlementListRead(
            id=s.id,
            list_no=s.list_no,
            customer_org_id=s.customer_org_id,
            category=s.category,
            sign_date_from=s.sign_date_from,
            sign_date_to=s.sign_date_to,
            order_count=s.order_count,
            amount=Money.from_fen(s.amount_fen).amount,
            created_by=s.created_by,
            created_at=s.created_at,
            order_ids=list(await self.repo.order_ids(s.id)),
            billing_order=await self.orders.get(s.order_id, principal),
        )
