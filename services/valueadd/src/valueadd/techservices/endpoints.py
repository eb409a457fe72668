"""Technical-service contracts and their service orders (through the gateway:
/api/valueadd/v1/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from servicekit.app import DbSession
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.techservices.repository import TechRepository
from valueadd.techservices.schemas import ContractCreate, ContractRead, ServiceOrderRead
from valueadd.techservices.service import TechService

router = APIRouter(prefix="/v1", tags=["technical services"])


def _service(session: DbSession, clock: ClockDep) -> TechService:
    return TechService(TechRepository(session), clock)


Service = Annotated[TechService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.tech_service.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.tech_service.contract"))]


@router.post("/tech-contracts", response_model=ContractRead, status_code=status.HTTP_201_CREATED,
             summary="A technical-service contract, or a new version of one")  # fmt: skip
async def create_contract(
    body: ContractCreate, service: Service, principal: Managing
) -> ContractRead:
    return await service.create_contract(body, principal)


@router.get("/tech-contracts", response_model=list[ContractRead])
async def list_contracts(service: Service, principal: Querying) -> list[ContractRead]:
    return await service.contracts(principal)


@router.get("/tech-contracts/{contract_id}", response_model=ContractRead)
async def get_contract(
    contract_id: uuid.UUID, service: Service, principal: Querying
) -> ContractRead:
    return await service.contract(contract_id, principal)


@router.get("/tech-service-orders", response_model=list[ServiceOrderRead],
            summary="Imported service orders the contracts cover, with their payees' orders")  # fmt: skip
async def list_service_orders(
    service: Service, principal: Querying,
    contract_no: Annotated[str | None, Query(max_length=30)] = None,
) -> list[ServiceOrderRead]:  # fmt: skip
    return await service.service_orders(principal, contract_no)
