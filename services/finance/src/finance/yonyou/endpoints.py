"""Yonyou U8 exchange API (through the gateway: /api/finance/v1/yonyou/...)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from finance.yonyou.repository import YonyouRepository
from finance.yonyou.schemas import (
    ExportRead,
    ExportWrite,
    ImportResult,
    PartnerRead,
    PartnerWrite,
    SettlementTotal,
)
from finance.yonyou.service import YonyouService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError
from shared_schemas import SellingEntity

router = APIRouter(prefix="/v1/yonyou", tags=["yonyou"])
MAX_FILE_BYTES = 20 * 1024 * 1024


def _service(session: DbSession, clock: AppClock) -> YonyouService:
    return YonyouService(YonyouRepository(session), clock=clock)


Service = Annotated[YonyouService, Depends(_service)]
Exporter = Annotated[Principal, Depends(require("finance.report.export"))]
Configurer = Annotated[Principal, Depends(require("finance.ledger.configure"))]


@router.post(
    "/exports",
    response_model=ExportRead,
    status_code=201,
    summary="Export the journal entries not yet exported as a U8 voucher file",
)
async def export(body: ExportWrite, service: Service, principal: Exporter) -> ExportRead:
    return await service.export(body, principal)


@router.get("/exports", response_model=list[ExportRead])
async def list_exports(
    service: Service, _: Exporter, legal_entity: SellingEntity | None = None
) -> list[ExportRead]:
    return await service.batches(legal_entity)


@router.get("/exports/{batch_id}/file", response_class=Response, summary="The voucher file")
async def export_file(batch_id: uuid.UUID, service: Service, principal: Exporter) -> Response:
    name, content = await service.file(batch_id, principal)
    return Response(
        content,
        media_type="text/csv; charset=gb18030",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/partners", response_model=list[PartnerRead], summary="Every U8 partner code")
async def list_partners(service: Service, principal: Configurer) -> list[PartnerRead]:
    return await service.partners(principal)


@router.put("/partners/{org_id}", response_model=PartnerRead, summary="U8 customer/supplier code")
async def set_partner(
    org_id: uuid.UUID, body: PartnerWrite, service: Service, principal: Configurer
) -> PartnerRead:
    return await service.set_partner(org_id, body, principal)


@router.post(
    "/settlements",
    response_model=ImportResult,
    summary="Import AR/AP settlement data exported from U8 (CSV body); repeats are skipped",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_settlements(
    request: Request, legal_entity: SellingEntity, service: Service, principal: Configurer
) -> ImportResult:
    raw = await request.body()
    if len(raw) > MAX_FILE_BYTES:
        raise ProblemError(
            "The file is larger than 20 MB; split it.", code="payload_too_large", status=413
        )
    return await service.import_settlements(legal_entity, raw, principal)


@router.get("/settlements", response_model=list[SettlementTotal])
async def settlement_totals(
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    service: Service,
    principal: Exporter,
) -> list[SettlementTotal]:
    return await service.settlement_totals(legal_entity, date_from, date_to, principal)
