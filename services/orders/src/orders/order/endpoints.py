"""Order API (reached through the gateway as /api/orders/v1/orders)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from orders.order.repository import OrderRepository
from orders.order.schemas import OrderCreate, OrderRead
from orders.order.service import OrderService
from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/orders", tags=["orders"])


def _service(session: DbSession, outbox: EventOutbox) -> OrderService:
    return OrderService(OrderRepository(session), outbox)


Service = Annotated[OrderService, Depends(_service)]


@router.post(
    "",
    response_model=OrderRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an order (idempotent by source_service + source_ref)",
    responses={200: {"description": "The order made earlier from the same source reference"}},
)
async def create_order(
    body: OrderCreate,
    response: Response,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.create"))],
) -> OrderRead:
    order, created = await service.create(body, principal)
    if not created:
        response.status_code = status.HTTP_200_OK
    return order


@router.get("/{order_id}", response_model=OrderRead, summary="One order with its trajectory")
async def get_order(
    order_id: uuid.UUID,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> OrderRead:
    return await service.get(order_id, principal)
