"""Settlement-list API (结算清单)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from orders.order.repository import OrderRepository
from orders.order.service import OrderService
from orders.settlement.repository import SettlementRepository
from orders.settlement.schemas import (
    SettlementCreate,
    SettlementListRead,
    SettlementPreview,
    SettlementSelection,
)
from orders.settlement.service import SettlementService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/orders/settlement-lists", tags=["settlement lists"])


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> SettlementService:
    orders = OrderService(OrderRepository(session), outbox, clock)
    return SettlementService(SettlementRepository(session), orders, outbox, clock)


Service = Annotated[SettlementService, Depends(_service)]


@router.post(
    "/preview",
    response_model=SettlementPreview,
    summary="The closed deals (成交, not yet billed) a selection would bill: count, total, the orders",
)
async def preview_settlement(
    body: SettlementSelection,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> SettlementPreview:
    return await service.preview(body, principal)


@router.post(
    "",
    response_model=SettlementListRead,
    status_code=status.HTTP_201_CREATED,
    summary="Bill the selected closed deals (成交) in one receivable order and request its invoice",
)
async def create_settlement(
    body: SettlementCreate,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.create"))],
) -> SettlementListRead:
    return await service.create(body, principal)


@router.get("/{list_id}", response_model=SettlementListRead, summary="A settlement list")
async def get_settlement(
    list_id: uuid.UUID,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> SettlementListRead:
    return await service.get(list_id, principal)
