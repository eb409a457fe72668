"""Payment-channel reconciliation API (支付渠道对账) (through the gateway: /api/finance/v1/...)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from finance.channels.repository import ChannelRepository
from finance.channels.schemas import ChannelBillRead, ReconciliationRead
from finance.channels.service import ChannelService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError, Unprocessable

router = APIRouter(prefix="/v1", tags=["channel reconciliation"])
Reader = Annotated[Principal, Depends(require("finance.channel_reconciliation.query"))]
Runner = Annotated[Principal, Depends(require("finance.channel_reconciliation.run"))]
MAX_BILL_BYTES = 64 * 1024 * 1024


def _service(session: DbSession, clock: AppClock) -> ChannelService:
    return ChannelService(ChannelRepository(session), clock=clock)


Service = Annotated[ChannelService, Depends(_service)]


@router.post(
    "/channel-bills",
    response_model=ChannelBillRead,
    status_code=201,
    summary="Import a WeChat Pay bill (CSV) or an Alipay bill (zip) sent as the request body",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_bill(
    request: Request,
    service: Service,
    principal: Runner,
    channel: Annotated[str, Query(pattern="^(wechat|alipay)$")],
    legal_entity: Annotated[str, Query(pattern="^(agency_company|technology_company)$")],
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "bill",
) -> ChannelBillRead:
    content = await request.body()
    if len(content) > MAX_BILL_BYTES:
        raise ProblemError(
            f"The bill is larger than {MAX_BILL_BYTES} bytes.", code="file_too_large", status=413
        )
    if not content:
        raise Unprocessable(
            "The request body (the bill) is empty.",
            code="empty_file",
            errors=[{"field": "body", "code": "empty_file", "message": "send the bill file"}],
        )
    return await service.import_bill(channel, content, filename, legal_entity, principal)


@router.get("/channel-bills", response_model=list[ChannelBillRead])
async def list_bills(
    service: Service,
    principal: Reader,
    channel: Annotated[str | None, Query(pattern="^(wechat|alipay)$")] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ChannelBillRead]:
    return await service.bills(
        principal, channel=channel, start=start, end=end, limit=limit, offset=offset
    )


@router.post(
    "/channel-bills/{bill_id}/reconciliation",
    response_model=ReconciliationRead,
    summary="Reconcile the bill with receipts and payments; post its fees once",
)
async def reconcile(bill_id: uuid.UUID, service: Service, principal: Runner) -> ReconciliationRead:
    return await service.reconcile(bill_id, principal)


@router.get("/channel-bills/{bill_id}/reconciliation", response_model=ReconciliationRead)
async def reconciliation(
    bill_id: uuid.UUID,
    service: Service,
    principal: Reader,
    outcome: Annotated[
        str | None,
        Query(pattern="^(matched|amount_mismatch|missing_in_books|missing_in_bill)$"),
    ] = None,
) -> ReconciliationRead:
    return await service.result(bill_id, principal, outcome)
