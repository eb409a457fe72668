"""Audit log API: list with filters, CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from sso.actors import Actor, admin
from sso.audit.schemas import AuditPage, AuditQuery
from sso.audit.service import EXPORT_HEADER, EXPORT_MAX_ROWS
from sso.catalogue.admin_functions import AUDIT_EXPORT, AUDIT_QUERY
from sso.composition import RequestServices
from sso.tabular import csv_response

router = APIRouter(prefix="/v1/admin/audit-events", tags=["audit"])


@router.get(
    "",
    response_model=AuditPage,
    summary="Audit events you may see, newest first; keyset pages (pass next_cursor)",
)
async def list_audit_events(
    query: Annotated[AuditQuery, Query()],
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(AUDIT_QUERY))],
) -> AuditPage:
    return await services.audit.search(query, actor)


@router.get(
    "/export.csv",
    response_class=Response,
    summary=f"The same filters as a CSV download (UTF-8 with BOM; at most {EXPORT_MAX_ROWS} rows)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_audit_events(
    query: Annotated[AuditQuery, Query()],
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(AUDIT_EXPORT))],
) -> Response:
    rows = await services.audit.export_rows(query, actor)
    return csv_response("audit-events.csv", EXPORT_HEADER, rows)
