"""Mall API (商城管理, through the gateway: /api/valueadd/v1/mall/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.mall.models import PaymentState
from valueadd.mall.repository import MallRepository
from valueadd.mall.schemas import (
    MallOrderPage,
    MallOrderRead,
    OrderCreate,
    PaymentRecord,
    ProductCreate,
    ProductRead,
    SkuRead,
    StockAdd,
)
from valueadd.mall.service import MallService

router = APIRouter(prefix="/v1/mall", tags=["mall"])


def _service(session: DbSession, outbox: EventOutbox, clock: ClockDep) -> MallService:
    return MallService(MallRepository(session), outbox, clock)


Service = Annotated[MallService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.mall.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.mall.manage"))]
Ordering = Annotated[Principal, Depends(require("valueadd.mall.order"))]


@router.post("/products", response_model=ProductRead, status_code=status.HTTP_201_CREATED,
             summary="A product (SPU) with its SKUs (prices in yuan, stock)")  # fmt: skip
async def create_product(body: ProductCreate, service: Service, principal: Managing) -> ProductRead:
    return await service.create_product(body, principal)


@router.get("/products", response_model=list[ProductRead], summary="Your mall's products")
async def list_products(service: Service, principal: Querying) -> list[ProductRead]:
    return await service.products(principal)


@router.get("/products/{product_id}", response_model=ProductRead)
async def get_product(product_id: uuid.UUID, service: Service, principal: Querying) -> ProductRead:
    return await service.product(product_id, principal)


@router.post("/skus/{sku_id}/stock", response_model=SkuRead, summary="Add stock to a SKU")
async def add_stock(
    sku_id: uuid.UUID, body: StockAdd, service: Service, principal: Managing
) -> SkuRead:
    return await service.add_stock(sku_id, body.count, principal)


@router.post("/orders", response_model=MallOrderRead, status_code=status.HTTP_201_CREATED,
             summary="A mall order: the stock is taken at once (never below zero)")  # fmt: skip
async def place_order(body: OrderCreate, service: Service, principal: Ordering) -> MallOrderRead:
    return await service.place_order(body, principal)


@router.get("/orders", response_model=MallOrderPage, summary="Your mall's orders, newest first")
async def list_orders(
    service: Service,
    principal: Querying,
    status: PaymentState | None = None,
    order_no: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> MallOrderPage:
    return await service.orders(principal, status, order_no, limit, offset)


@router.get("/orders/{order_id}", response_model=MallOrderRead)
async def get_order(order_id: uuid.UUID, service: Service, principal: Querying) -> MallOrderRead:
    return await service.order(order_id, principal)


@router.post(
    "/orders/{order_id}/payment",
    response_model=MallOrderRead,
    summary="Record the payment channel's result (once; the same report again answers 200)",
    responses={201: {"description": "Recorded"}, 200: {"description": "Reported before"}},
)
async def record_payment(
    order_id: uuid.UUID, body: PaymentRecord, response: Response, service: Service,
    principal: Managing,
) -> MallOrderRead:  # fmt: skip
    order, moved = await service.record_payment(order_id, body, principal)
    response.status_code = status.HTTP_201_CREATED if moved else status.HTTP_200_OK
    return order
