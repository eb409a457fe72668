"""Settlement API (through the gateway: /api/finance/v1/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from finance.settlement.repository import SettlementRepository
from finance.settlement.schemas import AccountMappingRead, AccountMappingWrite, SettlementItemRead
from finance.settlement.service import SettlementService
from servicekit.app import AppClock, DbSession
from servicekit.auth import Principal, require
from shared_schemas import OrderCategory, OrderDirection

router = APIRouter(prefix="/v1", tags=["settlement"])


def _service(session: DbSession, clock: AppClock) -> SettlementService:
    return SettlementService(SettlementRepository(session), clock=clock)


Service = Annotated[SettlementService, Depends(_service)]


@router.get(
    "/settlement-items/{order_id}",
    response_model=SettlementItemRead,
    summary="What finance holds for an order: amount, outstanding, ledger account",
)
async def get_settlement_item(
    order_id: uuid.UUID,
    service: Service,
    principal: Annotated[Principal, Depends(require("finance.settlement.query"))],
) -> SettlementItemRead:
    return await service.get_item(order_id, principal)


@router.get("/account-mappings", response_model=list[AccountMappingRead])
async def list_account_mappings(
    service: Service,
    _: Annotated[Principal, Depends(require("finance.ledger.configure"))],
) -> list[AccountMappingRead]:
    return await service.list_mappings()


@router.put(
    "/account-mappings/{direction}/{category}",
    response_model=AccountMappingRead,
    summary="Set the ledger account for orders of a category and direction",
)
async def set_account_mapping(
    direction: OrderDirection,
    category: OrderCategory,
    body: AccountMappingWrite,
    service: Service,
    principal: Annotated[Principal, Depends(require("finance.ledger.configure"))],
) -> AccountMappingRead:
    return await service.set_mapping(category, direction, body.account_code, principal)
