"""Report API (through the gateway: /api/finance/v1/reports/...). Each report is JSON, or an
XLSX workbook at the same path with `/xlsx` appended (finance.report.export)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from finance.reports import xlsx
from finance.reports.repository import ReportRepository
from finance.reports.schemas import (
    AgingReport,
    AgingSide,
    DailyReport,
    SummaryReport,
    VatReport,
)
from finance.reports.service import ReportService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require
from shared_schemas import SellingEntity

router = APIRouter(prefix="/v1/reports", tags=["reports"])


def _service(session: DbSession, clock: AppClock) -> ReportService:
    return ReportService(ReportRepository(session), clock=clock)


Service = Annotated[ReportService, Depends(_service)]
Reader = Annotated[Principal, Depends(require("finance.report.query"))]
Exporter = Annotated[Principal, Depends(require("finance.report.export"))]


def _workbook(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type=xlsx.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


async def _summary(
    service: Service,
    principal: Principal,
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    customer_org_id: uuid.UUID | None,
    by_customer: bool,
) -> SummaryReport:
    return await service.summary(
        principal, legal_entity, date_from, date_to, customer_org_id, by_customer
    )


@router.get(
    "/summary",
    response_model=SummaryReport,
    summary="应收/应付/已收/已付/成本/利润 for a period, per customer or in total",
)
async def summary(
    service: Service,
    principal: Reader,
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    customer_org_id: uuid.UUID | None = None,
    by_customer: bool = False,
) -> SummaryReport:
    return await _summary(
        service, principal, legal_entity, date_from, date_to, customer_org_id, by_customer
    )


@router.get("/summary/xlsx", response_class=Response, summary="The summary as XLSX")
async def summary_xlsx(
    service: Service,
    principal: Exporter,
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    customer_org_id: uuid.UUID | None = None,
    by_customer: bool = True,
) -> Response:
    report = await _summary(
        service, principal, legal_entity, date_from, date_to, customer_org_id, by_customer
    )
    return _workbook(xlsx.summary(report), f"summary-{legal_entity}-{date_from}-{date_to}")


@router.get("/aging", response_model=AgingReport, summary="AR/AP aging: 0–30, 31–60, 61–90, 90+")
async def aging(
    service: Service,
    principal: Reader,
    legal_entity: SellingEntity,
    as_of: date,
    side: AgingSide = AgingSide.receivable,
    customer_org_id: uuid.UUID | None = None,
) -> AgingReport:
    return await service.aging(principal, legal_entity, side, as_of, customer_org_id)


@router.get("/aging/xlsx", response_class=Response)
async def aging_xlsx(
    service: Service,
    principal: Exporter,
    legal_entity: SellingEntity,
    as_of: date,
    side: AgingSide = AgingSide.receivable,
    customer_org_id: uuid.UUID | None = None,
) -> Response:
    report = await service.aging(principal, legal_entity, side, as_of, customer_org_id)
    return _workbook(xlsx.aging(report), f"aging-{side}-{legal_entity}-{as_of}")


@router.get("/daily", response_model=DailyReport, summary="Daily financial report (财务日报)")
async def daily(
    service: Service,
    principal: Reader,
    legal_entity: SellingEntity,
    day: date,
    customer_org_id: uuid.UUID | None = None,
) -> DailyReport:
    return await service.daily(principal, legal_entity, day, customer_org_id)


@router.get("/daily/xlsx", response_class=Response)
async def daily_xlsx(
    service: Service,
    principal: Exporter,
    legal_entity: SellingEntity,
    day: date,
    customer_org_id: uuid.UUID | None = None,
) -> Response:
    report = await service.daily(principal, legal_entity, day, customer_org_id)
    return _workbook(xlsx.daily(report), f"daily-{legal_entity}-{day}")


@router.get("/output-vat", response_model=VatReport, summary="Output VAT summary (销项税额汇总)")
async def output_vat(
    service: Service,
    principal: Reader,
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    customer_org_id: uuid.UUID | None = None,
) -> VatReport:
    return await service.output_vat(principal, legal_entity, date_from, date_to, customer_org_id)


@router.get("/output-vat/xlsx", response_class=Response)
async def output_vat_xlsx(
    service: Service,
    principal: Exporter,
    legal_entity: SellingEntity,
    date_from: date,
    date_to: date,
    customer_org_id: uuid.UUID | None = None,
) -> Response:
    report = await service.output_vat(principal, legal_entity, date_from, date_to, customer_org_id)
    return _workbook(xlsx.output_vat(report), f"output-vat-{legal_entity}-{date_from}-{date_to}")
