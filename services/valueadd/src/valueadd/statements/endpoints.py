"""Statement API (through the gateway: /api/valueadd/v1/statements)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.statements.models import LineStatus, StatementStatus
from valueadd.statements.repository import StatementRepository
from valueadd.statements.schemas import DisputeRequest, StatementCreate, StatementRead
from valueadd.statements.service import StatementService

router = APIRouter(prefix="/v1/statements", tags=["statements"])


def _service(session: DbSession, outbox: EventOutbox, clock: ClockDep) -> StatementService:
    return StatementService(StatementRepository(session), outbox, clock)


Service = Annotated[StatementService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.statement.query"))]
Reconciling = Annotated[Principal, Depends(require("valueadd.merchant.reconcile"))]
RedemptionNo = Annotated[str, Path(pattern=r"^[Hh][Xx][0-9A-Za-z]{12}$")]


@router.post(
    "",
    response_model=StatementRead,
    status_code=status.HTTP_201_CREATED,
    summary="A merchant's statement over its unstated redemptions of a period",
)
async def create_statement(
    body: StatementCreate,
    service: Service,
    principal: Annotated[Principal, Depends(require("valueadd.statement.create"))],
) -> StatementRead:
    return await service.create(body, principal)


@router.get("", response_model=list[StatementRead], summary="Statements you may see")
async def list_statements(
    service: Service,
    principal: Querying,
    merchant_id: uuid.UUID | None = None,
    status: StatementStatus | None = None,
) -> list[StatementRead]:
    return await service.search(principal, merchant_id, status)


@router.get("/{statement_id}", response_model=StatementRead, summary="One statement with its lines")
async def get_statement(
    statement_id: uuid.UUID, service: Service, principal: Querying
) -> StatementRead:
    return await service.get(statement_id, principal)


@router.post("/{statement_id}/lines/{redemption_no}/confirm", response_model=StatementRead)
async def confirm_line(
    statement_id: uuid.UUID, redemption_no: RedemptionNo, service: Service, principal: Reconciling
) -> StatementRead:
    return await service.decide(statement_id, redemption_no, LineStatus.confirmed, None, principal)


@router.post("/{statement_id}/lines/{redemption_no}/dispute", response_model=StatementRead)
async def dispute_line(
    statement_id: uuid.UUID,
    redemption_no: RedemptionNo,
    body: DisputeRequest,
    service: Service,
    principal: Reconciling,
) -> StatementRead:
    return await service.decide(statement_id, redemption_no, LineStatus.disputed, body, principal)


@router.post(
    "/{statement_id}/confirm",
    response_model=StatementRead,
    summary="Confirm the statement: pending lines confirmed, payout asked for",
)
async def confirm_statement(
    statement_id: uuid.UUID, service: Service, principal: Reconciling
) -> StatementRead:
    return await service.confirm(statement_id, principal)
