"""Role API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from sso.actors import Actor, admin
from sso.catalogue.admin_functions import ROLE_MANAGE, ROLE_QUERY
from sso.composition import RequestServices
from sso.roles.schemas import RoleCreate, RoleRead, RoleUpdate

router = APIRouter(prefix="/v1/admin/roles", tags=["roles"])
Reader = Annotated[Actor, Depends(admin(ROLE_QUERY))]
Manager = Annotated[Actor, Depends(admin(ROLE_MANAGE))]
_NOT_ENTITLED: dict[int | str, dict[str, Any]] = {
    422: {"description": "functions_not_entitled: names each function the institution lacks"}
}


@router.get("", response_model=list[RoleRead], summary="Roles of institutions you administer")
async def list_roles(
    services: RequestServices, actor: Reader, institution_id: uuid.UUID | None = None
) -> list[RoleRead]:
    return await services.roles.search(actor, institution_id)


@router.post(
    "",
    response_model=RoleRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a role granting functions its institution holds",
    responses=_NOT_ENTITLED,
)
async def create_role(body: RoleCreate, services: RequestServices, actor: Manager) -> RoleRead:
    return await services.roles.create(body, actor)


@router.get("/{role_id}", response_model=RoleRead, summary="One role")
async def get_role(role_id: uuid.UUID, services: RequestServices, actor: Reader) -> RoleRead:
    return await services.roles.get(role_id, actor)


@router.put("/{role_id}", response_model=RoleRead, summary="Change a role", responses=_NOT_ENTITLED)
async def update_role(
    role_id: uuid.UUID, body: RoleUpdate, services: RequestServices, actor: Manager
) -> RoleRead:
    return await services.roles.update(role_id, body, actor)


@router.delete(
    "/{role_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a role nobody holds (409 role_in_use otherwise)",
)
async def delete_role(role_id: uuid.UUID, services: RequestServices, actor: Manager) -> Response:
    await services.roles.delete(role_id, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
