"""Deal API: rate cards (点位) and deals with their orders (/api/insurance/v1/...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from insurance.common.context import RequestClock, actor
from insurance.deals.service import (
    DealRead,
    DealService,
    PromoterTermsIn,
    PromoterTermsRead,
    RateCardIn,
    RateCardRead,
)
from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from servicekit.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["deals"])


def _service(session: DbSession, outbox: EventOutbox, clock: RequestClock) -> DealService:
    return DealService(session, outbox, clock)


Service = Annotated[DealService, Depends(_service)]
DealQuery = Annotated[Principal, Depends(require("insurance.deal.query"))]


@router.get("/rate-cards", response_model=list[RateCardRead], summary="点位: fee rates")
async def rate_cards(service: Service, principal: DealQuery) -> list[RateCardRead]:
    return await service.rate_cards()


@router.post("/rate-cards", response_model=RateCardRead, status_code=status.HTTP_201_CREATED,
             summary="A rate from a day on (operators)")  # fmt: skip
async def add_rate_card(
    body: RateCardIn,
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.deal.reconcile"))],
) -> RateCardRead:
    if not principal.platform_operator:
        raise Forbidden("Rate cards are the platform operator's.", code="operator_only")
    return await service.add_rate_card(body, actor(principal))


@router.get("/promoter-terms", response_model=list[PromoterTermsRead],
            summary="推广费结算方式: each agency's promoter terms (yours; operators all)")  # fmt: skip
async def promoter_terms(service: Service, principal: DealQuery) -> list[PromoterTermsRead]:
    return await service.terms(principal)


@router.post("/promoter-terms", response_model=PromoterTermsRead,
             status_code=status.HTTP_201_CREATED,
             summary="An agency's promoter terms from a day on (operators)")  # fmt: skip
async def add_promoter_terms(
    body: PromoterTermsIn,
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.deal.reconcile"))],
) -> PromoterTermsRead:
    if not principal.platform_operator:
        raise Forbidden("Promoter terms are the platform operator's.", code="operator_only")
    return await service.add_terms(body, actor(principal))


@router.get("/deals", response_model=list[DealRead], summary="成交: deals and their orders")
async def deals(
    service: Service,
    principal: DealQuery,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[DealRead]:
    return await service.deals(principal, limit, offset)
