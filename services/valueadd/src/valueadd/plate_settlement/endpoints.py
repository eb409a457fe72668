"""Plate contracts and settlements (through the gateway: /api/valueadd/v1/...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.plate_settlement.repository import SettlementRepository
from valueadd.plate_settlement.schemas import (
    ContractCreate,
    ContractRead,
    SettlementCreate,
    SettlementRead,
)
from valueadd.plate_settlement.service import SettlementService

router = APIRouter(prefix="/v1", tags=["plate settlement"])


def _service(session: DbSession, outbox: EventOutbox, clock: ClockDep) -> SettlementService:
    return SettlementService(SettlementRepository(session), outbox, clock)


Service = Annotated[SettlementService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.plate.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.plate.manage"))]


@router.post("/plate-contracts", response_model=ContractRead, status_code=status.HTTP_201_CREATED,
             summary="A new version of an insurer's plate contract: its settlement mode")  # fmt: skip
async def create_contract(
    body: ContractCreate, service: Service, principal: Managing
) -> ContractRead:
    return await service.create_contract(body, principal)


@router.get("/plate-contracts", response_model=list[ContractRead])
async def list_contracts(service: Service, principal: Querying) -> list[ContractRead]:
    return await service.contracts(principal)


@router.post("/plate-settlements", response_model=SettlementRead,
             status_code=status.HTTP_201_CREATED,
             summary="Settle a period with an insurer: one order by the contract's mode")  # fmt: skip
async def settle(body: SettlementCreate, service: Service, principal: Managing) -> SettlementRead:
    return await service.settle(body, principal)


@router.get("/plate-settlements", response_model=list[SettlementRead])
async def list_settlements(service: Service, principal: Querying) -> list[SettlementRead]:
    return await service.settlements(principal)
