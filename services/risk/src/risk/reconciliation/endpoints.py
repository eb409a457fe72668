"""Reconciliation API: statement batches with the insurer, decisions, confirm (→ order)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile, status

from risk.common import AppClock
from risk.reconciliation import parsing
from risk.reconciliation.schemas import BatchCreate, BatchRead, ItemDecision, StatementReport
from risk.reconciliation.service import ReconciliationService, read
from risk.requests.parsing import FileUnreadable
from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from servicekit.errors import Unprocessable

router = APIRouter(prefix="/v1/reconciliations", tags=["reconciliation"])
Querier = Annotated[Principal, Depends(require("risk.reconciliation.query"))]
Manager = Annotated[Principal, Depends(require("risk.reconciliation.manage"))]


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> ReconciliationService:
    return ReconciliationService(session, outbox, clock)


Service = Annotated[ReconciliationService, Depends(_service)]


@router.post("", response_model=BatchRead, status_code=status.HTTP_201_CREATED,
             summary="A statement batch: the insurer's assessed requests of the period")  # fmt: skip
async def create_batch(body: BatchCreate, service: Service, principal: Manager) -> BatchRead:
    return read(await service.create(body, principal))


@router.get("", response_model=list[BatchRead], summary="Batches you may see, newest first")
async def list_batches(
    service: Service, principal: Querier, insurer_code: str | None = None
) -> list[BatchRead]:
    return await service.batches(principal, insurer_code)


@router.get("/{batch_id}", response_model=BatchRead, summary="One batch with items and payouts")
async def get_batch(batch_id: uuid.UUID, service: Service, principal: Querier) -> BatchRead:
    return read(await service.get(batch_id, principal))


@router.put("/{batch_id}/items/{item_id}", response_model=BatchRead,
            summary="The insurer's decision on one assessment, entered by the clerk")  # fmt: skip
async def decide_item(
    batch_id: uuid.UUID, item_id: uuid.UUID, body: ItemDecision, service: Service,
    principal: Manager,
) -> BatchRead:  # fmt: skip
    batch = await service.get(batch_id, principal)
    await service.decide(batch, item_id, body, principal.subject)
    return read(batch)


@router.post("/{batch_id}/statement", response_model=StatementReport,
             summary="Import the insurer's statement: lines matched by assessment no., else VIN")  # fmt: skip
async def import_statement(
    batch_id: uuid.UUID, service: Service, principal: Manager,
    file: Annotated[UploadFile, File()],
) -> StatementReport:  # fmt: skip
    batch = await service.get(batch_id, principal)
    try:
        lines, errors = parsing.lines(await file.read(5 * 1024 * 1024), file.filename or "s.csv")
    except FileUnreadable as exc:
        raise Unprocessable(f"The file cannot be read: {exc}.", code="file_unreadable",
                            errors=[{"field": "file", "code": "file_unreadable",
                                     "message": str(exc)}]) from exc  # fmt: skip
    if errors:
        raise Unprocessable(f"{len(errors)} lines cannot be read; nothing was applied.",
                            code="statement_rejected", errors=errors)  # fmt: skip
    return await service.apply_statement(batch, lines, principal.subject)


@router.post("/{batch_id}/confirm", response_model=BatchRead,
             summary="Confirm the batch: ask the order center for its receivable order")  # fmt: skip
async def confirm_batch(batch_id: uuid.UUID, service: Service, principal: Manager) -> BatchRead:
    batch = await service.get(batch_id, principal)
    await service.confirm(batch, principal)
    return read(batch)
