"""Assessment-request API (reached through the gateway as /api/risk/v1/requests): partner
systems and the mini program post requests here, the console too."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status

from risk.assessments.schemas import AssessmentRead, OverrideCreate
from risk.assessments.service import read as read_assessment
from risk.deps import Requests
from risk.requests.imports import import_file
from risk.requests.schemas import (
    GradeCount,
    ImportReport,
    RequestCreate,
    RequestPage,
    RequestQuery,
    RequestRead,
)
from risk.requests.service import read
from servicekit.auth import Principal, require
from servicekit.errors import ProblemError

router = APIRouter(prefix="/v1/requests", tags=["requests"])
Collector = Annotated[Principal, Depends(require("risk.form.collect"))]
Querier = Annotated[Principal, Depends(require("risk.form.query"))]
MAX_FILE_BYTES = 5 * 1024 * 1024


@router.post(
    "",
    response_model=RequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="File an assessment request (idempotent by `reference`); assessed at once",
    responses={200: {"description": "The request filed earlier with the same reference"}},
)
async def create_request(
    body: RequestCreate,
    response: Response,
    service: Requests,
    principal: Collector,
    channel: Annotated[str, Query(pattern="^(api|console)$")] = "api",
) -> RequestRead:
    request, created = await service.create(body, principal, channel)
    if not created:
        response.status_code = status.HTTP_200_OK
    return read(request, trajectory=True)


@router.get("", response_model=RequestPage, summary="Requests you may see, newest first")
async def list_requests(
    query: Annotated[RequestQuery, Query()], service: Requests, principal: Querier
) -> RequestPage:
    return await service.search(query, principal)


@router.get(
    "/grade-distribution",
    response_model=list[GradeCount],
    summary="Requests per insurer, month and latest grade (the last `months` months)",
)
async def grade_distribution(
    service: Requests,
    principal: Querier,
    months: Annotated[int, Query(ge=1, le=24)] = 6,
) -> list[GradeCount]:
    return await service.grade_distribution(principal, months)


@router.post(
    "/import",
    response_model=ImportReport,
    summary="Import requests from CSV or XLSX (dry_run=true checks only); all rows or none",
)
async def import_requests(
    service: Requests,
    principal: Collector,
    file: Annotated[UploadFile, File()],
    dry_run: bool = True,
) -> ImportReport:
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise ProblemError("The file is larger than 5 MB.", code="payload_too_large", status=413)
    return await import_file(service, content, file.filename or "upload.csv", principal, dry_run)


@router.get("/{request_id}", response_model=RequestRead, summary="One request with its trajectory")
async def get_request(request_id: uuid.UUID, service: Requests, principal: Querier) -> RequestRead:
    return read(await service.get(request_id, principal), trajectory=True)


@router.post(
    "/{request_id}/payees/confirm",
    response_model=RequestRead,
    summary="Confirm the promoters' split (who and when are recorded)",
)
async def confirm_payees(
    request_id: uuid.UUID, service: Requests, principal: Collector
) -> RequestRead:
    return await service.confirm_payees(request_id, principal)


@router.get(
    "/{request_id}/assessments",
    response_model=list[AssessmentRead],
    summary="Every assessment of the request, oldest first",
)
async def request_assessments(
    request_id: uuid.UUID,
    service: Requests,
    principal: Annotated[Principal, Depends(require("risk.assessment.query"))],
) -> list[AssessmentRead]:
    request = await service.get(request_id, principal)
    return [read_assessment(a) for a in await service.assessments.history(request.id)]


@router.post(
    "/{request_id}/assessments",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Assess again with the version live today (a new assessment; none is overwritten)",
)
async def reassess(
    request_id: uuid.UUID,
    service: Requests,
    principal: Annotated[Principal, Depends(require("risk.assessment.run"))],
) -> AssessmentRead:
    request = await service.reassess(request_id, principal)
    return await _latest(service, request.id, request.latest_assessment_id)


@router.post(
    "/{request_id}/assessments/override",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Override the latest assessment by hand (who, why and the grade before are kept)",
)
async def override(
    request_id: uuid.UUID,
    body: OverrideCreate,
    service: Requests,
    principal: Annotated[Principal, Depends(require("risk.assessment.override"))],
) -> AssessmentRead:
    request = await service.locked(request_id, principal)
    await service.assessments.override(request, body, principal.subject)
    await service.repo.flush()
    return await _latest(service, request.id, request.latest_assessment_id)


async def _latest(
    service: Requests, request_id: uuid.UUID, assessment_id: uuid.UUID | None
) -> AssessmentRead:
    assert assessment_id is not None
    found = await service.assessments.repo.by_ids([assessment_id])
    return read_assessment(found[assessment_id])
