"""Assessment API: one assessment, and its printable sheet (评估单)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from risk.assessments.schemas import AssessmentRead
from risk.assessments.service import AssessmentNotFound, read
from risk.assessments.sheet import render_sheet
from risk.deps import Requests
from servicekit.auth import Principal, require

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])
Querier = Annotated[Principal, Depends(require("risk.assessment.query"))]


@router.get("/{assessment_id}", response_model=AssessmentRead, summary="One assessment")
async def get_assessment(
    assessment_id: uuid.UUID, service: Requests, principal: Querier
) -> AssessmentRead:
    found = await service.assessments.repo.get(assessment_id, principal)
    if found is None:
        raise AssessmentNotFound(f"No assessment {assessment_id} that you may see.")
    return read(found)


@router.get(
    "/{assessment_id}/sheet",
    response_class=HTMLResponse,
    summary="The printable assessment sheet (HTML, print to PDF from the browser)",
)
async def assessment_sheet(
    assessment_id: uuid.UUID, service: Requests, principal: Querier
) -> HTMLResponse:
    found = await service.assessments.repo.get(assessment_id, principal)
    if found is None:
        raise AssessmentNotFound(f"No assessment {assessment_id} that you may see.")
    request = await service.get(found.request_id, principal)
    return HTMLResponse(render_sheet(request, found))
