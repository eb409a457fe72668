"""Ledger API (through the gateway: /api/finance/v1/ledger/...)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from finance.ledger.repository import LedgerRepository
from finance.ledger.schemas import (
    AccountRead,
    AccountWrite,
    ClosingRead,
    ClosingWrite,
    EntryRead,
    ManualEntryWrite,
    ReversalWrite,
)
from finance.ledger.service import LedgerService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require
from shared_schemas import SellingEntity

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


def _service(session: DbSession, clock: AppClock) -> LedgerService:
    return LedgerService(LedgerRepository(session), clock=clock)


Service = Annotated[LedgerService, Depends(_service)]
Reader = Annotated[Principal, Depends(require("finance.report.query"))]
Configurer = Annotated[Principal, Depends(require("finance.ledger.configure"))]


@router.get("/accounts", response_model=list[AccountRead], summary="Chart of accounts")
async def list_accounts(
    service: Service, _: Reader, legal_entity: SellingEntity | None = None
) -> list[AccountRead]:
    return await service.accounts(legal_entity)


@router.put(
    "/accounts/{legal_entity}/{code}",
    response_model=AccountRead,
    summary="Add or change an account of a legal entity's chart (会计科目)",
)
async def set_account(
    legal_entity: SellingEntity,
    code: Annotated[str, Path(pattern=r"^[0-9]{4,20}$")],
    body: AccountWrite,
    service: Service,
    principal: Configurer,
) -> AccountRead:
    return await service.set_account(legal_entity, code, body, principal)


@router.get("/entries", response_model=list[EntryRead], summary="Journal entries (凭证)")
async def list_entries(
    service: Service,
    principal: Reader,
    legal_entity: SellingEntity | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    source_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[EntryRead]:
    return await service.list(
        principal,
        legal_entity=legal_entity,
        date_from=date_from,
        date_to=date_to,
        source_type=source_type,
        limit=limit,
        offset=offset,
    )


@router.get("/entries/{entry_id}", response_model=EntryRead)
async def get_entry(entry_id: uuid.UUID, service: Service, principal: Reader) -> EntryRead:
    return await service.get(entry_id, principal)


@router.post(
    "/entries",
    response_model=EntryRead,
    status_code=201,
    summary="Post a manual entry; the same reference posts once",
)
async def post_entry(body: ManualEntryWrite, service: Service, principal: Configurer) -> EntryRead:
    return await service.post_manual(body, principal)


@router.post(
    "/entries/{entry_id}/reversal",
    response_model=EntryRead,
    status_code=201,
    summary="Reverse an entry (红冲): post its mirror, once",
)
async def reverse_entry(
    entry_id: uuid.UUID, body: ReversalWrite, service: Service, principal: Configurer
) -> EntryRead:
    return await service.reverse(entry_id, body, principal)


@router.post(
    "/closings",
    response_model=list[ClosingRead],
    status_code=201,
    summary="Close months (结账): no entry may be dated in them afterwards",
)
async def close_months(
    body: ClosingWrite, service: Service, principal: Configurer
) -> list[ClosingRead]:
    return await service.close(body, principal)


@router.get("/closings", response_model=list[ClosingRead])
async def list_closings(
    service: Service, _: Reader, legal_entity: SellingEntity | None = None
) -> list[ClosingRead]:
    return await service.closings(legal_entity)
