"""Call records (拨打记录) and the insurers' rate cards (through the gateway: /api/valueadd/v1/...)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from servicekit.app import DbSession
from servicekit.auth import Principal, require
from valueadd.calls.repository import CallRepository
from valueadd.calls.schemas import CallPage, CallPush, CallRead, RateCardCreate, RateCardRead
from valueadd.calls.service import CallService
from valueadd.common.clock import ClockDep

router = APIRouter(prefix="/v1", tags=["plate calls"])


def _service(session: DbSession, clock: ClockDep) -> CallService:
    return CallService(CallRepository(session), clock)


Service = Annotated[CallService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.plate.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.plate.manage"))]
Recording = Annotated[Principal, Depends(require("valueadd.plate.call_record"))]


@router.post("/plate-rate-cards", response_model=RateCardRead,
             status_code=status.HTTP_201_CREATED,
             summary="A new version of an insurer's rate card for call records")  # fmt: skip
async def create_card(body: RateCardCreate, service: Service, principal: Managing) -> RateCardRead:
    return await service.create_card(body, principal)


@router.get("/plate-rate-cards", response_model=list[RateCardRead])
async def list_cards(
    service: Service, principal: Querying, insurer_org_id: uuid.UUID | None = None
) -> list[RateCardRead]:
    return await service.cards(principal, insurer_org_id)


@router.post(
    "/plate-calls",
    response_model=CallRead,
    summary="The provider's push of a call record (stored once per provider session id)",
    responses={201: {"description": "Stored"}, 200: {"description": "Pushed before"}},
)
async def push(
    body: CallPush, response: Response, service: Service, principal: Recording
) -> CallRead:
    record, stored = await service.push(body, principal)
    response.status_code = status.HTTP_201_CREATED if stored else status.HTTP_200_OK
    return record


@router.get("/plate-calls", response_model=CallPage,
            summary="Call records with their billable seconds and fees, and the totals")  # fmt: skip
async def list_calls(
    service: Service,
    principal: Querying,
    plate_no: Annotated[str | None, Query(max_length=32)] = None,
    insurer_org_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CallPage:
    return await service.calls(
        principal, plate_no=plate_no, insurer_org_id=insurer_org_id, date_from=date_from,
        date_to=date_to, limit=limit, offset=offset,
    )  # fmt: skip
