"""Merchant API (through the gateway: /api/valueadd/v1/merchants)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from servicekit.app import DbSession
from servicekit.auth import CurrentPrincipal, Principal, require
from valueadd.common.clock import ClockDep
from valueadd.merchants.repository import MerchantRepository
from valueadd.merchants.schemas import (
    MerchantCreate,
    MerchantRead,
    MerchantSummary,
    MerchantUpdate,
    PricePut,
    PriceRead,
    StaffPut,
    StaffRead,
    StoreCreate,
    StoreRead,
)
from valueadd.merchants.service import MerchantService

router = APIRouter(prefix="/v1/merchants", tags=["merchants"])


def _service(session: DbSession, clock: ClockDep) -> MerchantService:
    return MerchantService(MerchantRepository(session), clock)


Service = Annotated[MerchantService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.merchant.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.merchant.manage"))]


@router.post(
    "",
    response_model=MerchantRead,
    status_code=status.HTTP_201_CREATED,
    summary="Keep a service profile for a merchant institution",
)
async def create_merchant(
    body: MerchantCreate, service: Service, principal: Managing
) -> MerchantRead:
    return await service.create(body, principal)


@router.get("", response_model=list[MerchantSummary], summary="Merchants you may see")
async def list_merchants(
    service: Service,
    principal: Querying,
    name: Annotated[str | None, Query(max_length=100)] = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> list[MerchantSummary]:
    return await service.search(principal, name, region_code)


@router.get(
    "/me", response_model=MerchantRead, summary="The caller's own merchant (stores to redeem at)"
)
async def my_merchant(service: Service, principal: CurrentPrincipal) -> MerchantRead:
    return await service.mine(principal)


@router.get("/{merchant_id}", response_model=MerchantRead, summary="One merchant's profile")
async def get_merchant(
    merchant_id: uuid.UUID, service: Service, principal: Querying
) -> MerchantRead:
    return await service.get(merchant_id, principal)


@router.patch("/{merchant_id}", response_model=MerchantRead, summary="Change a profile")
async def update_merchant(
    merchant_id: uuid.UUID, body: MerchantUpdate, service: Service, principal: Managing
) -> MerchantRead:
    return await service.update(merchant_id, body, principal)


@router.post(
    "/{merchant_id}/stores",
    response_model=StoreRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a store",
)
async def add_store(
    merchant_id: uuid.UUID, body: StoreCreate, service: Service, principal: Managing
) -> StoreRead:
    return await service.add_store(merchant_id, body, principal)


@router.put(
    "/{merchant_id}/staff/{subject}",
    response_model=StaffRead,
    summary="Register (or change) a user of the institution as redeeming staff",
)
async def put_staff(
    merchant_id: uuid.UUID,
    subject: Annotated[str, Path(min_length=1, max_length=120)],
    body: StaffPut,
    service: Service,
    principal: Managing,
) -> StaffRead:
    return await service.put_staff(merchant_id, subject, body, principal)


@router.put(
    "/{merchant_id}/prices/{product_id}",
    response_model=PriceRead,
    summary="May redeem this product, at this settlement price (operators)",
)
async def put_price(
    merchant_id: uuid.UUID,
    product_id: uuid.UUID,
    body: PricePut,
    service: Service,
    principal: Managing,
) -> PriceRead:
    return await service.put_price(merchant_id, product_id, body, principal)
