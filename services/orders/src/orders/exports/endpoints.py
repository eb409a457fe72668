"""Export API: start an XLSX export of GET /v1/orders's filters, follow it, download it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import FileResponse

from orders.exports.repository import ExportRepository
from orders.exports.runner import run_export
from orders.exports.schemas import ExportJobRead
from orders.exports.service import ExportService
from orders.order.repository import OrderRepository
from orders.order.schemas import OrderFilters
from servicekit.app import DbSession
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/orders/exports", tags=["exports"])
Querier = Annotated[Principal, Depends(require("orders.order.query"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service(session: DbSession) -> ExportService:
    return ExportService(ExportRepository(session), OrderRepository(session))


Service = Annotated[ExportService, Depends(_service)]


@router.post(
    "",
    response_model=ExportJobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Export the orders you may see that match GET /v1/orders's filters, as XLSX",
)
async def start_export(
    body: OrderFilters,
    request: Request,
    tasks: BackgroundTasks,
    service: Service,
    principal: Querier,
) -> ExportJobRead:
    job = await service.start(body, principal)
    state = request.app.state
    tasks.add_task(
        run_export,
        state.sessionmaker,
        job.id,
        state.settings.export_dir,
        state.settings.export_page_rows,
    )
    return ExportJobRead.model_validate(job)


@router.get("/{job_id}", response_model=ExportJobRead, summary="An export's progress")
async def get_export(job_id: uuid.UUID, service: Service, principal: Querier) -> ExportJobRead:
    return ExportJobRead.model_validate(await service.mine(job_id, principal))


@router.get(
    "/{job_id}/download",
    summary="The finished XLSX (409 export_not_ready before)",
    response_class=FileResponse,
)
async def download_export(
    job_id: uuid.UUID, request: Request, service: Service, principal: Querier
) -> FileResponse:
    path = await service.file(job_id, principal, request.app.state.settings.export_dir)
    return FileResponse(path, media_type=XLSX, filename=f"orders-{job_id}.xlsx")
