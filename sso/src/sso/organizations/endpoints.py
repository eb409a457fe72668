"""Institution API (reached through the gateway as /auth/v1/admin/institutions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from shared_schemas import OrgType
from sso.actors import Actor, admin
from sso.catalogue.admin_functions import INSTITUTION_MANAGE, INSTITUTION_QUERY
from sso.composition import RequestServices
from sso.organizations.models import InstitutionStatus
from sso.organizations.repository import InstitutionFilter
from sso.organizations.schemas import (
    InstitutionCreate,
    InstitutionMove,
    InstitutionNode,
    InstitutionRead,
    InstitutionUpdate,
)

router = APIRouter(prefix="/v1/admin/institutions", tags=["institutions"])
Reader = Annotated[Actor, Depends(admin(INSTITUTION_QUERY))]
Manager = Annotated[Actor, Depends(admin(INSTITUTION_MANAGE))]


@router.get("", response_model=list[InstitutionRead], summary="Institutions you administer, flat")
async def list_institutions(
    services: RequestServices,
    actor: Reader,
    type: OrgType | None = None,
    status: InstitutionStatus | None = None,
    parent_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Code or name contains")] = None,
) -> list[InstitutionRead]:
    f = InstitutionFilter(
        type=type.value if type else None,
        status=status.value if status else None,
        parent_id=parent_id,
        text=q,
    )
    return await services.organizations.search(f, actor)


@router.get(
    "/tree", response_model=list[InstitutionNode], summary="Institutions you administer, as a tree"
)
async def institution_tree(services: RequestServices, actor: Reader) -> list[InstitutionNode]:
    return await services.organizations.tree(actor)


@router.post(
    "",
    response_model=InstitutionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an institution (with its package's entitlement, announced as version 1)",
)
async def create_institution(
    body: InstitutionCreate, services: RequestServices, actor: Manager
) -> InstitutionRead:
    return await services.organizations.create(body, actor)


@router.get("/{institution_id}", response_model=InstitutionRead, summary="One institution")
async def get_institution(
    institution_id: uuid.UUID, services: RequestServices, actor: Reader
) -> InstitutionRead:
    return await services.organizations.get(institution_id, actor)


@router.patch("/{institution_id}", response_model=InstitutionRead, summary="Rename, set region")
async def update_institution(
    institution_id: uuid.UUID, body: InstitutionUpdate, services: RequestServices, actor: Manager
) -> InstitutionRead:
    return await services.organizations.update(institution_id, body, actor)


@router.post(
    "/{institution_id}/move",
    response_model=InstitutionRead,
    summary="Move under another head office (its branches move along)",
)
async def move_institution(
    institution_id: uuid.UUID, body: InstitutionMove, services: RequestServices, actor: Manager
) -> InstitutionRead:
    return await services.organizations.move(institution_id, body, actor)


@router.post(
    "/{institution_id}/disable",
    response_model=InstitutionRead,
    summary="Disable: its users and its branches' users can no longer sign in",
)
async def disable_institution(
    institution_id: uuid.UUID, services: RequestServices, actor: Manager
) -> InstitutionRead:
    return await services.organizations.set_status(
        institution_id, InstitutionStatus.disabled, actor
    )


@router.post("/{institution_id}/enable", response_model=InstitutionRead, summary="Enable again")
async def enable_institution(
    institution_id: uuid.UUID, services: RequestServices, actor: Manager
) -> InstitutionRead:
    return await services.organizations.set_status(institution_id, InstitutionStatus.active, actor)
