"""Redemption API (mini program and console, through the gateway: /api/valueadd/v1/redemptions)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.redemptions.repository import RedemptionRepository
from valueadd.redemptions.schemas import (
    RedeemRequest,
    RedemptionCheck,
    RedemptionPage,
    RedemptionRead,
    StatsDimension,
    StatsRow,
)
from valueadd.redemptions.service import RedemptionService

router = APIRouter(prefix="/v1/redemptions", tags=["redemptions"])


def _service(session: DbSession, outbox: EventOutbox, clock: ClockDep) -> RedemptionService:
    return RedemptionService(RedemptionRepository(session), outbox, clock)


Service = Annotated[RedemptionService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.redemption.query"))]


@router.post(
    "",
    response_model=RedemptionRead,
    status_code=status.HTTP_201_CREATED,
    summary="核销: redeem a coupon by its code (once; Idempotency-Key honoured)",
    responses={
        200: {"description": "The first answer to this Idempotency-Key"},
        409: {"description": "coupon_already_redeemed, coupon_voided"},
    },
)
async def redeem(
    body: RedeemRequest,
    response: Response,
    service: Service,
    principal: Annotated[Principal, Depends(require("valueadd.redemption.redeem"))],
    idempotency_key: Annotated[str | None, Header(min_length=8, max_length=80)] = None,
) -> RedemptionRead:
    redemption, created = await service.redeem(body, principal, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return redemption


@router.post(
    "/check",
    response_model=RedemptionCheck,
    summary="Check a code before redeeming: every check of 核销, nothing written",
)
async def check(
    body: RedeemRequest,
    service: Service,
    principal: Annotated[Principal, Depends(require("valueadd.redemption.redeem"))],
) -> RedemptionCheck:
    return await service.check(body, principal)


@router.get("", response_model=RedemptionPage, summary="Redemptions you may see, newest first")
async def list_redemptions(
    service: Service,
    principal: Querying,
    merchant_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    code: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RedemptionPage:
    return await service.search(principal, merchant_id, date_from, date_to, code, limit, offset)


@router.get(
    "/stats",
    response_model=list[StatsRow],
    summary="Redemptions counted by merchant, product, region or hour (Shanghai)",
)
async def redemption_stats(
    service: Service,
    principal: Querying,
    by: StatsDimension,
    merchant_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[StatsRow]:
    return await service.stats(principal, by, merchant_id, date_from, date_to)


@router.get("/{redemption_id}", response_model=RedemptionRead)
async def get_redemption(
    redemption_id: uuid.UUID, service: Service, principal: Querying
) -> RedemptionRead:
    return await service.get(redemption_id, principal)
