"""Order API (reached through the gateway as /api/orders/v1/orders)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from orders.order import lifecycle
from orders.order.repository import OrderRepository
from orders.order.schemas import (
    OrderCreate,
    OrderPage,
    OrderQuery,
    OrderRead,
    ReviewCreate,
    ReviewRead,
    TransitionRequest,
)
from orders.order.service import OrderService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import CurrentPrincipal, Principal, require

router = APIRouter(prefix="/v1/orders", tags=["orders"])


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> OrderService:
    return OrderService(OrderRepository(session), outbox, clock)


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


@router.get(
    "",
    response_model=OrderPage,
    summary="Orders you may see, newest first, filtered; keyset pages (pass next_cursor)",
)
async def list_orders(
    query: Annotated[OrderQuery, Query()],
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> OrderPage:
    return await service.search(query, principal)


@router.get("/{order_id}", response_model=OrderRead, summary="One order with its trajectory")
async def get_order(
    order_id: uuid.UUID,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.query"))],
) -> OrderRead:
    return await service.get(order_id, principal)


@router.post(
    "/{order_id}/transitions",
    response_model=OrderRead,
    summary="Move an order by hand: reconcile (对账确认), cancel or close",
    responses={409: {"description": "illegal_transition: the detail lists the allowed targets"}},
)
async def transition_order(
    order_id: uuid.UUID, body: TransitionRequest, service: Service, principal: CurrentPrincipal
) -> OrderRead:
    # The function depends on the step asked for: orders.order.reconcile / .cancel / .close.
    # A target never reached by hand needs none: the service answers 409 with what is allowed.
    function = lifecycle.function_to(body.to)
    if function is not None:
        await require(function)(principal)
    return await service.transition(order_id, body, principal)


@router.post(
    "/{order_id}/reviews",
    response_model=ReviewRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a customer's review of the service behind the order",
)
async def review_order(
    order_id: uuid.UUID,
    body: ReviewCreate,
    service: Service,
    principal: Annotated[Principal, Depends(require("orders.order.review"))],
) -> ReviewRead:
    return await service.add_review(order_id, body, principal)
