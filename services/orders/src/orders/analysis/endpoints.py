"""Analysis API (订单分析), scoped to what the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from orders.analysis.repository import AnalysisRepository
from orders.analysis.schemas import (
    AnalysisScope,
    CouponTargets,
    CouponTargetsQuery,
    CycleTimes,
    ReviewScores,
    ReviewsQuery,
    Totals,
    TotalsQuery,
    Usage,
)
from orders.analysis.service import AnalysisService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/orders/analysis", tags=["analysis"])
Analyst = Annotated[Principal, Depends(require("orders.analysis.query"))]


def _service(session: DbSession, clock: AppClock) -> AnalysisService:
    return AnalysisService(AnalysisRepository(session), clock=clock)


Service = Annotated[AnalysisService, Depends(_service)]


@router.get(
    "/totals",
    response_model=Totals,
    summary="Counts and amounts by period, category, status, institution",
)
async def totals(
    query: Annotated[TotalsQuery, Query()], service: Service, principal: Analyst
) -> Totals:
    return await service.totals(query, principal)


@router.get(
    "/cycle-times",
    response_model=CycleTimes,
    summary="created → invoiced → settled: p50/p90 and operators",
)
async def cycle_times(
    query: Annotated[AnalysisScope, Query()], service: Service, principal: Analyst
) -> CycleTimes:
    return await service.cycle_times(query, principal)


@router.get(
    "/value-added-usage",
    response_model=Usage,
    summary="Redemptions by car model, city, hour, weekday",
)
async def usage(
    query: Annotated[AnalysisScope, Query()], service: Service, principal: Analyst
) -> Usage:
    return await service.usage(query, principal)


@router.get("/reviews", response_model=ReviewScores, summary="Review scores by product or merchant")
async def reviews(
    query: Annotated[ReviewsQuery, Query()], service: Service, principal: Analyst
) -> ReviewScores:
    return await service.reviews(query, principal)


@router.get(
    "/coupon-targets",
    response_model=CouponTargets,
    summary="Institutions to target with coupons: active value-added use, good reviews",
)
async def coupon_targets(
    query: Annotated[CouponTargetsQuery, Query()], service: Service, principal: Analyst
) -> CouponTargets:
    return await service.coupon_targets(query, principal)
