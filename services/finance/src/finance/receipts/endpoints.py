"""Receipts and allocation records (分配记录) API (through the gateway: /api/finance/v1/...)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finance.receipts.repository import ReceiptRepository
from finance.receipts.schemas import (
    AllocationCreate,
    AllocationRead,
    MatchingSettings,
    MatchingSettingsRead,
    MatchRun,
    MatchSuggestion,
    PayerAccountRead,
    PayerAccountWrite,
    ReceiptCreate,
    ReceiptRead,
    Unallocate,
    to_fen,
)
from finance.receipts.service import ReceiptService, allocation_read
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1", tags=["receipts"])
Reader = Annotated[Principal, Depends(require("finance.allocation.query"))]
Manager = Annotated[Principal, Depends(require("finance.allocation.manage"))]


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> ReceiptService:
    return ReceiptService(ReceiptRepository(session), outbox, clock=clock)


Service = Annotated[ReceiptService, Depends(_service)]


@router.get(
    "/receipts",
    response_model=list[ReceiptRead],
    summary="Receipts you may see; to_check=true is the 待核对 queue",
)
async def list_receipts(
    service: Service,
    principal: Reader,
    status: Annotated[
        str | None, Query(pattern="^(outstanding|partially_allocated|allocated)$")
    ] = None,
    to_check: bool | None = None,
    source: Annotated[str | None, Query(pattern="^(bank|wechat|alipay)$")] = None,
    merchant_order_no: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReceiptRead]:
    rows = await service.repo.receipts(
        principal,
        status=status,
        to_check=to_check,
        source=source,
        merchant_order_no=merchant_order_no,
        received_from=start,
        received_to=end,
        limit=limit,
        offset=offset,
    )
    return [service.read(r) for r in rows]


@router.post(
    "/receipts",
    response_model=ReceiptRead,
    status_code=201,
    summary="Record money collected through a payment channel (matched at once)",
)
async def record_receipt(body: ReceiptCreate, service: Service, principal: Manager) -> ReceiptRead:
    return await service.record(body, principal)


@router.post(
    "/receipts/matching-runs",
    response_model=MatchRun,
    summary="Run the matching rules again over the to-check queue",
)
async def rematch(
    service: Service, principal: Manager, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000
) -> MatchRun:
    return await service.rematch_queue(principal, limit)


@router.get("/receipts/{receipt_id}", response_model=ReceiptRead)
async def get_receipt(receipt_id: uuid.UUID, service: Service, principal: Reader) -> ReceiptRead:
    return await service.get(receipt_id, principal)


@router.get(
    "/receipts/{receipt_id}/suggestions",
    response_model=list[MatchSuggestion],
    summary="Orders the receipt's memo quotes (by order, invoice or application number)",
)
async def suggestions(
    receipt_id: uuid.UUID, service: Service, principal: Reader
) -> list[MatchSuggestion]:
    return await service.suggestions(receipt_id, principal)


@router.post(
    "/receipts/{receipt_id}/allocations",
    response_model=ReceiptRead,
    summary="Allocate (part of) a receipt to orders: manual match",
)
async def allocate(
    receipt_id: uuid.UUID, body: AllocationCreate, service: Service, principal: Manager
) -> ReceiptRead:
    return await service.allocate(receipt_id, body, principal)


@router.post(
    "/receipts/{receipt_id}/allocations/{batch_id}/reversal",
    response_model=ReceiptRead,
    summary="Unmatch: take an allocation step back, with a reversing entry",
)
async def unallocate(
    receipt_id: uuid.UUID,
    batch_id: uuid.UUID,
    body: Unallocate,
    service: Service,
    principal: Manager,
) -> ReceiptRead:
    return await service.unallocate(receipt_id, batch_id, body.reason, principal)


@router.get(
    "/allocations",
    response_model=list[AllocationRead],
    summary="Allocation records (分配记录) you may see",
)
async def list_allocations(
    service: Service,
    principal: Reader,
    order_id: uuid.UUID | None = None,
    receipt_id: uuid.UUID | None = None,
    include_reversed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AllocationRead]:
    rows = await service.repo.visible_allocations(
        principal,
        order_id=order_id,
        receipt_id=receipt_id,
        include_reversed=include_reversed,
        limit=limit,
        offset=offset,
    )
    return [allocation_read(a) for a in rows]


@router.get("/payer-accounts", response_model=list[PayerAccountRead])
async def list_payers(service: Service, principal: Manager) -> list[PayerAccountRead]:
    return await service.payers(principal)


@router.post(
    "/payer-accounts",
    response_model=PayerAccountRead,
    status_code=201,
    summary="Name a bank payer as an institution (matching rule 2)",
)
async def add_payer(
    body: PayerAccountWrite, service: Service, principal: Manager
) -> PayerAccountRead:
    return await service.add_payer(body, principal)


@router.get("/receipt-matching/settings", response_model=MatchingSettingsRead)
async def matching_settings(service: Service, _: Manager) -> MatchingSettingsRead:
    return await service.settings()


@router.put("/receipt-matching/settings", response_model=MatchingSettingsRead)
async def set_matching_settings(
    body: MatchingSettings, service: Service, principal: Manager
) -> MatchingSettingsRead:
    return await service.set_tolerance(to_fen(body.underpayment_tolerance), principal)
