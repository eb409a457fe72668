"""Legacy import API: upload a CSV or XLSX file as the request body."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from servicekit.errors import ProblemError
from sso.actors import Actor, admin
from sso.catalogue.admin_functions import USER_IMPORT
from sso.composition import AppSettings, RequestServices
from sso.imports.schemas import COLUMNS, ImportKind, ImportReport
from sso.tabular import csv_response

router = APIRouter(prefix="/v1/admin/imports", tags=["imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file itself (not multipart): CSV (UTF-8 or GB18030) or XLSX; the "
        "format is recognised from the content. Columns: see sso/README.md.",
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
ImportActor = Annotated[Actor, Depends(admin(USER_IMPORT))]


@router.post(
    "/{kind}",
    response_model=ImportReport,
    summary="Import institutions or users; dry_run (the default) checks and reports only",
    openapi_extra=_FILE_BODY,
    responses={413: {"description": "payload_too_large"}},
)
async def run_import(
    kind: ImportKind,
    request: Request,
    services: RequestServices,
    settings: AppSettings,
    actor: ImportActor,
    dry_run: Annotated[bool, Query(description="Check and report; write nothing.")] = True,
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> ImportReport:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.import_max_bytes:
        raise _too_large(settings.import_max_bytes)
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > settings.import_max_bytes:
            raise _too_large(settings.import_max_bytes)
    return await services.imports.run(
        kind, bytes(content), filename=filename, dry_run=dry_run, actor=actor
    )


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        f"The file is larger than {limit} bytes; split it.", code="payload_too_large", status=413
    )


@router.get(
    "/templates/{kind}.csv", response_class=Response, summary="An empty file with the columns"
)
async def import_template(kind: ImportKind, _: ImportActor) -> Response:
    return csv_response(f"{kind.value}-template.csv", [c.name for c in COLUMNS[kind]], [])


@router.get("/{run_id}", response_model=ImportReport, summary="An import's summary and error rows")
async def get_import(
    run_id: uuid.UUID, services: RequestServices, actor: ImportActor
) -> ImportReport:
    return await services.imports.get(run_id, actor)


@router.get(
    "/{run_id}/report.csv",
    response_class=Response,
    summary="Every row with its outcome and errors, then its own cells (fix and re-import)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def import_report(
    run_id: uuid.UUID, services: RequestServices, actor: ImportActor
) -> Response:
    header, rows = await services.imports.report_rows(run_id, actor)
    return csv_response(f"import-{run_id}.csv", header, rows)
