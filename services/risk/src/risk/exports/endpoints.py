"""Export API: start an XLSX export of one insurer's assessment sheets, follow it, download it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import FileResponse

from risk.common import AppClock
from risk.exports.runner import run_export
from risk.exports.service import ExportCreate, ExportRead, ExportService, read
from servicekit.app import DbSession
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/exports", tags=["exports"])
Querier = Annotated[Principal, Depends(require("risk.export.query"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service(session: DbSession, clock: AppClock) -> ExportService:
    return ExportService(session, clock)


Service = Annotated[ExportService, Depends(_service)]


@router.post(
    "",
    response_model=ExportRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Export one insurer's assessment sheets you may see, as XLSX (a background job)",
)
async def start_export(
    body: ExportCreate,
    request: Request,
    tasks: BackgroundTasks,
    service: Service,
    clock: AppClock,
    principal: Annotated[Principal, Depends(require("risk.export.create"))],
) -> ExportRead:
    job = await service.start(body, principal)
    s = request.app.state
    tasks.add_task(
        run_export, s.sessionmaker, job.id, s.settings.export_dir, s.settings.export_page_rows,
        clock,
    )  # fmt: skip
    return read(job)


@router.get("", response_model=list[ExportRead], summary="Your exports, newest first")
async def list_exports(service: Service, principal: Querier) -> list[ExportRead]:
    return [read(j) for j in await service.list_mine(principal)]


@router.get("/{job_id}", response_model=ExportRead, summary="An export's progress")
async def get_export(job_id: uuid.UUID, service: Service, principal: Querier) -> ExportRead:
    return read(await service.mine(job_id, principal))


@router.get(
    "/{job_id}/download",
    summary="The finished XLSX (409 export_not_ready before)",
    response_class=FileResponse,
)
async def download_export(
    job_id: uuid.UUID, request: Request, service: Service, principal: Querier
) -> FileResponse:
    job = await service.mine(job_id, principal)
    path = await service.file(job_id, principal, request.app.state.settings.export_dir)
    return FileResponse(path, media_type=XLSX, filename=f"{job.export_no}.xlsx")
