"""Move-car plates API (智能挪车牌, through the gateway: /api/valueadd/v1/...)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import Principal, require
from valueadd.common.clock import ClockDep
from valueadd.plates.models import PlateStatus
from valueadd.plates.repository import PlateRepository
from valueadd.plates.schemas import (
    AssignRequest,
    BatchCreate,
    BatchRead,
    BindRequest,
    DistributeRequest,
    MovedPlates,
    PlatePage,
    PlateRead,
    PurchaseCreate,
    PurchaseRead,
    StatusChange,
)
from valueadd.plates.service import DEFAULT_SCAN_URL, PlateService

router = APIRouter(prefix="/v1", tags=["plates"])


def _service(
    request: Request, session: DbSession, outbox: EventOutbox, clock: ClockDep
) -> PlateService:
    base = getattr(request.app.state.settings, "plate_scan_url", DEFAULT_SCAN_URL)
    return PlateService(PlateRepository(session), clock, base, outbox)


Service = Annotated[PlateService, Depends(_service)]
Querying = Annotated[Principal, Depends(require("valueadd.plate.query"))]
Managing = Annotated[Principal, Depends(require("valueadd.plate.manage"))]
Assigning = Annotated[Principal, Depends(require("valueadd.plate.assign"))]


@router.post("/plate-batches", response_model=BatchRead, status_code=status.HTTP_201_CREATED,
             summary="A batch of plates, each with its unguessable QR token, all in stock")  # fmt: skip
async def create_batch(body: BatchCreate, service: Service, principal: Managing) -> BatchRead:
    return await service.create_batch(body, principal)


@router.get("/plate-batches", response_model=list[BatchRead], summary="Your batches")
async def list_batches(service: Service, principal: Querying) -> list[BatchRead]:
    return await service.batches(principal)


@router.get("/plate-batches/{batch_no}", response_model=BatchRead)
async def get_batch(batch_no: str, service: Service, principal: Querying) -> BatchRead:
    return await service.batch(batch_no, principal)


@router.post("/plates/assign", response_model=MovedPlates,
             summary="分配挪车牌: plates in stock to one promoter")  # fmt: skip
async def assign(body: AssignRequest, service: Service, principal: Assigning) -> MovedPlates:
    return await service.assign(body, principal)


@router.post("/plate-purchases", response_model=PurchaseRead,
             status_code=status.HTTP_201_CREATED,
             summary="保司采购: an insurer buys assigned plates")  # fmt: skip
async def purchase(body: PurchaseCreate, service: Service, principal: Managing) -> PurchaseRead:
    return await service.purchase(body, principal)


@router.get("/plate-purchases", response_model=list[PurchaseRead])
async def list_purchases(service: Service, principal: Querying) -> list[PurchaseRead]:
    return await service.purchases(principal)


@router.get("/plates", response_model=PlatePage, summary="Plates you made or bought")
async def list_plates(
    service: Service,
    principal: Querying,
    status: PlateStatus | None = None,
    batch_no: Annotated[str | None, Query(max_length=32)] = None,
    plate_no: Annotated[str | None, Query(max_length=32)] = None,
    promoter: Annotated[str | None, Query(max_length=120)] = None,
    insurer_org_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PlatePage:
    return await service.plates(
        principal, status=status, batch_no=batch_no, plate_no=plate_no, promoter=promoter,
        insurer_org_id=insurer_org_id, limit=limit, offset=offset,
    )  # fmt: skip


@router.get("/plates/{plate_no}", response_model=PlateRead, summary="A plate and its trail")
async def get_plate(plate_no: str, service: Service, principal: Querying) -> PlateRead:
    return await service.plate(plate_no, principal)


@router.get("/plates/{plate_no}/qr.svg", response_class=Response,
            summary="The plate's QR code (SVG): the public scan page's URL")  # fmt: skip
async def plate_qr(plate_no: str, service: Service, principal: Querying) -> Response:
    return Response(await service.qr(plate_no, principal), media_type="image/svg+xml")


@router.post("/plates/{plate_no}/distribute", response_model=PlateRead,
             summary="分发: the insurer hands the plate to its customer")  # fmt: skip
async def distribute(
    plate_no: str, body: DistributeRequest, service: Service, principal: Managing
) -> PlateRead:
    return await service.distribute(plate_no, body, principal)


@router.post("/plates/{plate_no}/bind", response_model=PlateRead,
             summary="绑定: the vehicle and the owner's number (never shown whole)")  # fmt: skip
async def bind(
    plate_no: str, body: BindRequest, service: Service, principal: Managing
) -> PlateRead:
    return await service.bind(plate_no, body, principal)


@router.post("/plates/{plate_no}/status", response_model=PlateRead,
             summary="Activate, pause or report lost")  # fmt: skip
async def set_status(
    plate_no: str, body: StatusChange, service: Service, principal: Managing
) -> PlateRead:
    return await service.set_status(plate_no, body, principal)
