"""Import API: upload a file as the raw request body, follow the job, fetch the error report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from orders.imports.parsing import detect_format
from orders.imports.repository import ImportRepository
from orders.imports.runner import run_import
from orders.imports.schemas import ImportJobRead
from orders.imports.service import ImportService
from orders.order.repository import OrderRepository
from orders.order.service import OrderService
from servicekit.app import AppClock, DbSession, EventOutbox
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError, Unprocessable

router = APIRouter(prefix="/v1/orders/imports", tags=["imports"])
Creator = Annotated[Principal, Depends(require("orders.order.create"))]


def _service(session: DbSession, outbox: EventOutbox, clock: AppClock) -> ImportService:
    return ImportService(
        ImportRepository(session), OrderService(OrderRepository(session), outbox, clock)
    )


Service = Annotated[ImportService, Depends(_service)]


def _schedule(request: Request, tasks: BackgroundTasks, job_id: uuid.UUID) -> None:
    """After the response — so after the job row committed."""
    state = request.app.state
    tasks.add_task(
        run_import,
        state.sessionmaker,
        state.messaging.outbox,
        job_id,
        state.settings.import_chunk_rows,
        state.clock,
    )


@router.post(
    "",
    response_model=ImportJobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Import orders from a CSV or XLSX file sent as the request body (dry run by default)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    },
)
async def start_import(
    request: Request,
    tasks: BackgroundTasks,
    service: Service,
    principal: Creator,
    filename: Annotated[str, Query(min_length=1, max_length=200)] = "upload.csv",
    file_format: Annotated[
        str | None, Query(alias="format", pattern="^(csv|xlsx)$", description="else by filename")
    ] = None,
    dry_run: bool = True,
) -> ImportJobRead:
    chosen = detect_format(filename, file_format)
    if chosen is None:
        raise Unprocessable(
            "Say format=csv or format=xlsx, or give a filename ending in .csv or .xlsx.",
            code="unknown_format",
            errors=[{"field": "query.format", "code": "unknown_format", "message": "csv or xlsx"}],
        )
    limit = request.app.state.settings.import_max_bytes
    content = await request.body()
    if len(content) > limit:
        raise ProblemError(
            f"The file is larger than {limit} bytes.", code="file_too_large", status=413
        )
    if not content:
        raise Unprocessable("The request body (the file) is empty.", code="empty_file")
    job = await service.start(content, filename, chosen, dry_run, principal)
    _schedule(request, tasks, job.id)
    return ImportJobRead.model_validate(job)


@router.get("/{job_id}", response_model=ImportJobRead, summary="An import's progress")
async def get_import(job_id: uuid.UUID, service: Service, principal: Creator) -> ImportJobRead:
    return ImportJobRead.model_validate(await service.mine(job_id, principal))


@router.get(
    "/{job_id}/errors",
    summary="The refused rows as CSV: row, column, code, message, value",
    response_class=PlainTextResponse,
)
async def import_errors(job_id: uuid.UUID, service: Service, principal: Creator) -> Response:
    report = await service.error_report(job_id, principal)
    return Response(
        content=report.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )


@router.post(
    "/{job_id}/resume",
    response_model=ImportJobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Continue a failed (or dead) import after its last committed chunk",
)
async def resume_import(
    job_id: uuid.UUID,
    request: Request,
    tasks: BackgroundTasks,
    service: Service,
    principal: Creator,
) -> ImportJobRead:
    job = await service.resume(job_id, principal)
    _schedule(request, tasks, job.id)
    return ImportJobRead.model_validate(job)
