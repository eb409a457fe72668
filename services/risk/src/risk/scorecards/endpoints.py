"""Scorecard API: versions, drafts, what-if against the live version, publish."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from risk.deps import Scorecards
from risk.scorecards.definition import FACTS
from risk.scorecards.schemas import (
    FactRead,
    ScorecardCreate,
    ScorecardRead,
    ScorecardUpdate,
    WhatIfRead,
)
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/scorecards", tags=["scorecards"])
Querier = Annotated[Principal, Depends(require("risk.scorecard.query"))]
Editor = Annotated[Principal, Depends(require("risk.scorecard.edit"))]
Publisher = Annotated[Principal, Depends(require("risk.scorecard.publish"))]


@router.get("/facts", response_model=list[FactRead], summary="The facts a factor may read")
async def facts(principal: Querier) -> list[FactRead]:
    return [FactRead(code=c, kind=k, label=label) for c, (k, label) in FACTS.items()]


@router.get("", response_model=list[ScorecardRead], summary="Every version, newest first")
async def list_scorecards(
    service: Scorecards, principal: Querier, code: str | None = None
) -> list[ScorecardRead]:
    return await service.list(code)


@router.get("/{card_id}", response_model=ScorecardRead, summary="One version")
async def get_scorecard(
    card_id: uuid.UUID, service: Scorecards, principal: Querier
) -> ScorecardRead:
    return await service.read_one(card_id)


@router.post(
    "",
    response_model=ScorecardRead,
    status_code=status.HTTP_201_CREATED,
    summary="A new draft version (a definition, or copied from `based_on`)",
)
async def create_scorecard(
    body: ScorecardCreate, service: Scorecards, principal: Editor
) -> ScorecardRead:
    return await service.create(body, principal)


@router.patch("/{card_id}", response_model=ScorecardRead, summary="Edit a draft")
async def update_scorecard(
    card_id: uuid.UUID, body: ScorecardUpdate, service: Scorecards, principal: Editor
) -> ScorecardRead:
    return await service.update(card_id, body, principal)


@router.post(
    "/{card_id}/what-if",
    response_model=WhatIfRead,
    summary="Score past requests with this version and the live one: how many would change",
)
async def what_if(
    card_id: uuid.UUID,
    service: Scorecards,
    principal: Querier,
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 10_000,
    org_id: uuid.UUID | None = None,
) -> WhatIfRead:
    return await service.what_if(card_id, principal, limit, org_id)


@router.post("/{card_id}/publish", response_model=ScorecardRead, summary="Publish a draft")
async def publish(card_id: uuid.UUID, service: Scorecards, principal: Publisher) -> ScorecardRead:
    return await service.publish(card_id, principal)
