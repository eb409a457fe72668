"""Invoice API (through the gateway: /api/finance/v1/invoices/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finance.invoices.models import ApplicationStatus
from finance.invoices.repository import InvoiceRepository
from finance.invoices.schemas import (
    ApplicationRead,
    ApplicationWrite,
    Buyer,
    BuyerRead,
    DecisionWrite,
    InvoiceRead,
    IssueWrite,
    RedLetterWrite,
)
from finance.invoices.service import InvoiceService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> InvoiceService:
    return InvoiceService(InvoiceRepository(session), outbox, clock=clock)


Service = Annotated[InvoiceService, Depends(_service)]
Reader = Annotated[Principal, Depends(require("finance.invoice.query"))]
Applicant = Annotated[Principal, Depends(require("finance.invoice.apply"))]
Invoicer = Annotated[Principal, Depends(require("finance.invoice.issue"))]


@router.post(
    "/applications",
    response_model=ApplicationRead,
    status_code=201,
    summary="Apply for an invoice (开票申请) over one or more receivable orders",
)
async def apply(body: ApplicationWrite, service: Service, principal: Applicant) -> ApplicationRead:
    return await service.apply(body, principal)


@router.get("/applications", response_model=list[ApplicationRead])
async def list_applications(
    service: Service,
    principal: Reader,
    customer_org_id: uuid.UUID | None = None,
    status: ApplicationStatus | None = None,
    order_id: uuid.UUID | None = None,
    number: Annotated[
        str | None,
        Query(
            max_length=32,
            description="An application no. (IA…), an invoice no. or an order no. (OC…) on it.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ApplicationRead]:
    return await service.list(
        principal,
        customer_org_id=customer_org_id,
        status=status,
        order_id=order_id,
        number=number,
        limit=limit,
        offset=offset,
    )


@router.get("/applications/{application_id}", response_model=ApplicationRead)
async def get_application(
    application_id: uuid.UUID, service: Service, principal: Reader
) -> ApplicationRead:
    return await service.get(application_id, principal)


@router.post(
    "/applications/{application_id}/issue",
    response_model=ApplicationRead,
    summary="Record the (blue) invoice issued for an application; posts its journal entry",
)
async def issue(
    application_id: uuid.UUID, body: IssueWrite, service: Service, principal: Invoicer
) -> ApplicationRead:
    return await service.issue(application_id, body, principal)


@router.post("/applications/{application_id}/reject", response_model=ApplicationRead)
async def reject(
    application_id: uuid.UUID, body: DecisionWrite, service: Service, principal: Invoicer
) -> ApplicationRead:
    return await service.reject(application_id, body.reason, principal)


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationRead)
async def withdraw(
    application_id: uuid.UUID, body: DecisionWrite, service: Service, principal: Applicant
) -> ApplicationRead:
    return await service.withdraw(application_id, body.reason, principal)


@router.get(
    "/buyers",
    response_model=list[BuyerRead],
    summary="Invoicing details (开票信息) of the institutions you may see",
)
async def list_buyers(service: Service, principal: Reader) -> list[BuyerRead]:
    return await service.list_buyers(principal)


@router.get("/buyers/{customer_org_id}", response_model=BuyerRead)
async def get_buyer(customer_org_id: uuid.UUID, service: Service, principal: Reader) -> BuyerRead:
    return await service.get_buyer(customer_org_id, principal)


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: uuid.UUID, service: Service, principal: Reader) -> InvoiceRead:
    return await service.get_invoice(invoice_id, principal)


@router.post(
    "/{invoice_id}/red-letters",
    response_model=InvoiceRead,
    status_code=201,
    summary="Record a red-letter invoice (红字发票) reversing all or part of a blue one",
)
async def red_letter(
    invoice_id: uuid.UUID, body: RedLetterWrite, service: Service, principal: Invoicer
) -> InvoiceRead:
    return await service.red_letter(invoice_id, body, principal)


@router.put(
    "/buyers/{customer_org_id}",
    response_model=BuyerRead,
    summary="Save an institution's invoicing details (开票信息): the default buyer of every "
    "application to it, settlement lists' included",
)
async def set_buyer(
    customer_org_id: uuid.UUID, body: Buyer, service: Service, principal: Applicant
) -> BuyerRead:
    return await service.set_buyer(customer_org_id, body, principal)
