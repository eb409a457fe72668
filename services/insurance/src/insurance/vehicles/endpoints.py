"""Customer and vehicle API (through the gateway: /api/insurance/v1/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status

from insurance.common.context import RequestClock, actor, writing_org
from insurance.vehicles.importing import import_vehicles
from insurance.vehicles.repository import VehicleFilter, VehicleRepository
from insurance.vehicles.schemas import (
    CollectResult,
    CustomerDetail,
    CustomerIn,
    CustomerPage,
    CustomerRead,
    ImportResult,
    OwnerChangeIn,
    VehicleCollect,
    VehicleDetail,
    VehiclePage,
)
from insurance.vehicles.service import VehicleService
from servicekit.app import DbSession
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError

router = APIRouter(prefix="/v1", tags=["vehicles"])

MAX_FILE_BYTES = 10 * 1024 * 1024


def _service(session: DbSession, clock: RequestClock) -> VehicleService:
    return VehicleService(VehicleRepository(session), clock)


Service = Annotated[VehicleService, Depends(_service)]
Query_ = Annotated[Principal, Depends(require("insurance.vehicle.query"))]
Manage = Annotated[Principal, Depends(require("insurance.vehicle.manage"))]


@router.post(
    "/vehicles",
    response_model=CollectResult,
    status_code=status.HTTP_201_CREATED,
    summary="Collect a vehicle (车辆收集): 201 a new one, 200 merged into the same vehicle",
)
async def collect_vehicle(
    body: VehicleCollect, response: Response, service: Service, principal: Manage
) -> CollectResult:
    done = await service.collect(body, principal)
    if done.outcome == "merged":
        response.status_code = status.HTTP_200_OK
    return await service.result(done, principal)


@router.get("/vehicles", response_model=VehiclePage, summary="Vehicles you may see")
async def list_vehicles(
    service: Service,
    principal: Query_,
    plate: Annotated[str | None, Query(max_length=16)] = None,
    vin: Annotated[str | None, Query(min_length=4, max_length=17)] = None,
    mobile_suffix: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{2,6}$")] = None,
    owner_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> VehiclePage:
    return await service.search(
        VehicleFilter(
            plate=plate, vin=vin, mobile_suffix=mobile_suffix, region_code=region_code,
            owner_id=owner_id, org_id=org_id, limit=limit, offset=offset,
        ),
        principal,
    )  # fmt: skip


@router.get("/vehicles/{vehicle_id}", response_model=VehicleDetail, summary="One vehicle")
async def get_vehicle(vehicle_id: uuid.UUID, service: Service, principal: Query_) -> VehicleDetail:
    return await service.detail(vehicle_id, principal)


@router.post(
    "/vehicles/{vehicle_id}/owner-changes",
    response_model=VehicleDetail,
    summary="过户: the vehicle passes to another customer (history kept)",
)
async def change_owner(
    vehicle_id: uuid.UUID, body: OwnerChangeIn, service: Service, principal: Manage
) -> VehicleDetail:
    return await service.change_owner(vehicle_id, body, principal)


@router.post(
    "/vehicles/imports",
    response_model=ImportResult,
    summary="Import vehicles from XLSX/CSV; dry_run=true checks every row and writes nothing",
    responses={422: {"description": "import_rows_invalid: errors per row; nothing imported"}},
)
async def import_file(
    service: Service,
    principal: Annotated[Principal, Depends(require("insurance.vehicle.import"))],
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = True,
    org_id: Annotated[uuid.UUID | None, Form()] = None,
) -> ImportResult:
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise ProblemError("The file is larger than 10 MB.", status=413, code="payload_too_large")
    return await import_vehicles(
        service, writing_org(principal, org_id), actor(principal), file.filename or "upload.csv",
        content, dry_run=dry_run,
    )  # fmt: skip


@router.get("/customers", response_model=CustomerPage, summary="Customers you may see")
async def list_customers(
    service: Service,
    principal: Query_,
    name: Annotated[str | None, Query(max_length=200)] = None,
    mobile_suffix: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CustomerPage:
    return await service.customers(
        principal, name=name, mobile_suffix=mobile_suffix, limit=limit, offset=offset
    )


@router.post(
    "/customers",
    response_model=CustomerRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a customer (the same ID number updates the one record)",
)
async def create_customer(
    body: CustomerIn,
    service: Service,
    principal: Manage,
    org_id: uuid.UUID | None = None,
) -> CustomerRead:
    return await service.create_customer(body, org_id, principal)


@router.get("/customers/{customer_id}", response_model=CustomerDetail, summary="One customer")
async def get_customer(
    customer_id: uuid.UUID, service: Service, principal: Query_
) -> CustomerDetail:
    return await service.customer(customer_id, principal)
