"""Function catalogue API: read the tree; services register their functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from servicekit.errors import Unprocessable
from sso.actors import Actor, admin
from sso.catalogue.admin_functions import CATALOGUE_MANAGE, CATALOGUE_QUERY
from sso.catalogue.schemas import CatalogueFile, CatalogueRead, SyncResult
from sso.composition import RequestServices

router = APIRouter(prefix="/v1/admin/catalogue", tags=["catalogue"])


@router.get("", response_model=CatalogueRead, summary="Entries and their function trees")
async def read_catalogue(
    services: RequestServices, _: Annotated[Actor, Depends(admin(CATALOGUE_QUERY))]
) -> CatalogueRead:
    return await services.catalogue.read()


@router.put(
    "/sources/{source}",
    response_model=SyncResult,
    summary="Register a service's functions: sync its catalogue file (idempotent per version)",
    responses={409: {"description": "catalogue_version_not_increased"}},
)
async def register_functions(
    source: str,
    body: CatalogueFile,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CATALOGUE_MANAGE))],
) -> SyncResult:
    actor.ensure_operator("register functions")
    if body.source != source:
        raise Unprocessable(
            f"The file is for source {body.source!r}, not {source!r}.",
            code="source_mismatch",
            errors=[
                {
                    "field": "body.source",
                    "code": "source_mismatch",
                    "message": f"must be {source!r} (the path's source)",
                }
            ],
        )
    return await services.catalogue.sync(body, actor)
