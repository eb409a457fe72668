"""Portal API (the signed-in user's entries, reached through the gateway as /api/sso/v1/me/…)
and the gateway's internal lookup of a caller's access."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from servicekit.auth import CurrentPrincipal, Principal, require
from sso.access.schemas import PortalEntries, PrincipalAccess
from sso.composition import RequestServices

#: Held only by the gateway's own service token: it vouches for callers, so it reads their access.
PRINCIPAL_LOOKUP = "sso.internal.principal_lookup"

router = APIRouter(prefix="/v1/me", tags=["portal"])
internal_router = APIRouter(prefix="/v1/internal", tags=["internal"])


@router.get(
    "/entries",
    response_model=PortalEntries,
    summary="The entries you may open, with names, icons and where each one launches",
)
async def my_entries(principal: CurrentPrincipal, services: RequestServices) -> PortalEntries:
    return await services.access.portal_entries(principal.subject)


@internal_router.get(
    "/principals/{subject}",
    response_model=PrincipalAccess,
    summary="A user's or partner client's institution, entries and functions (gateway only)",
)
async def principal_access(
    subject: str,
    services: RequestServices,
    _: Annotated[Principal, Depends(require(PRINCIPAL_LOOKUP))],
) -> PrincipalAccess:
    return await services.access.principal_access(subject)
