"""Portal API: the signed-in user's entries (reached through the gateway as /auth/v1/me/…)."""

from __future__ import annotations

from fastapi import APIRouter

from servicekit.auth import CurrentPrincipal
from sso.access.schemas import PortalEntries
from sso.composition import RequestServices

router = APIRouter(prefix="/v1/me", tags=["portal"])


@router.get(
    "/entries",
    response_model=PortalEntries,
    summary="The entries you may open, with names, icons and where each one launches",
)
async def my_entries(principal: CurrentPrincipal, services: RequestServices) -> PortalEntries:
    return await services.access.portal_entries(principal.subject)
