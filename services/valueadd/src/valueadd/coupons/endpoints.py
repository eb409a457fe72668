"""Coupon API: products, issue rules, batches, coupons (through the gateway: /api/valueadd/v1/…)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from servicekit.app import DbSession
from servicekit.auth import Principal, require
from servicekit.errors import Forbidden
from valueadd.common.clock import ClockDep
from valueadd.coupons.models import CouponStatus
from valueadd.coupons.repository import CouponRepository
from valueadd.coupons.schemas import (
    BatchCreate,
    BatchIssue,
    BatchRead,
    CouponPage,
    CouponRead,
    ProductCreate,
    ProductRead,
    RuleCreate,
    RuleRead,
    VoidRequest,
)
from valueadd.coupons.service import CouponService

router = APIRouter(prefix="/v1", tags=["coupons"])


def _service(session: DbSession, clock: ClockDep) -> CouponService:
    return CouponService(CouponRepository(session), clock)


Service = Annotated[CouponService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.coupon.query"))]
Issuing = Annotated[Principal, Depends(require("valueadd.coupon.issue"))]


@router.post(
    "/coupon-products",
    response_model=ProductRead,
    status_code=status.HTTP_201_CREATED,
    summary="A coupon product: service, prices, validity, usage rules",
)
async def create_product(body: ProductCreate, service: Service, principal: Issuing) -> ProductRead:
    return await service.create_product(body, principal)


@router.get("/coupon-products", response_model=list[ProductRead])
async def list_products(service: Service, principal: Querying) -> list[ProductRead]:
    return await service.products(principal)


@router.get("/coupon-products/{product_id}", response_model=ProductRead)
async def get_product(product_id: uuid.UUID, service: Service, principal: Querying) -> ProductRead:
    return await service.product(product_id, principal)


@router.post(
    "/issue-rules",
    response_model=RuleRead,
    status_code=status.HTTP_201_CREATED,
    summary="保司发券规则: insurer × line × product → coupons per policy",
)
async def create_rule(body: RuleCreate, service: Service, principal: Issuing) -> RuleRead:
    return await service.create_rule(body, principal)


@router.get("/issue-rules", response_model=list[RuleRead])
async def list_rules(service: Service, principal: Querying) -> list[RuleRead]:
    return await service.rules(principal)


@router.post(
    "/batches",
    response_model=BatchRead,
    status_code=status.HTTP_201_CREATED,
    summary="自主发券: a batch, its listed holders issued at once",
)
async def create_batch(body: BatchCreate, service: Service, principal: Issuing) -> BatchRead:
    return await service.create_batch(body, principal)


@router.post(
    "/batches/{batch_id}/issue",
    response_model=BatchRead,
    summary="Issue more coupons of a batch (never beyond its quantity)",
)
async def issue_more(
    batch_id: uuid.UUID, body: BatchIssue, service: Service, principal: Issuing
) -> BatchRead:
    return await service.issue_more(batch_id, body, principal)


@router.get("/batches", response_model=list[BatchRead], summary="Batches, newest first")
async def list_batches(service: Service, principal: Querying) -> list[BatchRead]:
    return await service.batches(principal)


@router.get("/batches/{batch_id}", response_model=BatchRead)
async def get_batch(batch_id: uuid.UUID, service: Service, principal: Querying) -> BatchRead:
    return await service.batch(batch_id, principal)


@router.get(
    "/coupons",
    response_model=CouponPage,
    summary="Coupons by code, holder (customer ref, name or plate), policy no., batch",
)
async def search_coupons(
    service: Service,
    principal: Querying,
    code: Annotated[str | None, Query(max_length=20)] = None,
    holder: Annotated[str | None, Query(max_length=80)] = None,
    policy_no: Annotated[str | None, Query(max_length=64)] = None,
    batch_id: uuid.UUID | None = None,
    status: CouponStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> CouponPage:
    return await service.search(
        principal,
        code=code,
        holder=holder,
        policy_no=policy_no,
        batch_id=batch_id,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/coupons/{code}", response_model=CouponRead, summary="One coupon with its trail")
async def get_coupon(code: str, service: Service, principal: Querying) -> CouponRead:
    return await service.get(code, principal)


@router.get("/coupons/{code}/qr.svg", summary="The coupon's QR code (SVG)", response_class=Response)
async def coupon_qr(code: str, service: Service, principal: Querying) -> Response:
    return Response(await service.qr(code, principal), media_type="image/svg+xml")


@router.post("/coupons/{code}/void", response_model=CouponRead, summary="Void an issued coupon")
async def void_coupon(
    code: str, body: VoidRequest, service: Service, principal: Issuing
) -> CouponRead:
    return await service.void(code, body, principal)


@router.post("/coupons/expire", summary="Expire issued coupons past their last valid day")
async def expire_coupons(service: Service, principal: Issuing) -> dict[str, int]:
    if not principal.platform_operator:
        raise Forbidden("Only platform operators run expiry.", code="operators_only")
    return {"expired": await service.expire_due(principal.subject)}
