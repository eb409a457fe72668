"""Client API (minimal until the OIDC provider): register, change, delete, list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from sso.actors import Actor, admin
from sso.catalogue.admin_functions import CLIENT_MANAGE, CLIENT_QUERY
from sso.clients.schemas import ClientCreate, ClientCreated, ClientRead, ClientUpdate
from sso.composition import RequestServices

router = APIRouter(prefix="/v1/admin/clients", tags=["clients"])


@router.get("", response_model=list[ClientRead], summary="Clients of institutions you administer")
async def list_clients(
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_QUERY))],
    institution_id: uuid.UUID | None = None,
) -> list[ClientRead]:
    return await services.clients.search(actor, institution_id)


@router.post(
    "",
    response_model=ClientCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Register a client (platform operators)",
)
async def create_client(
    body: ClientCreate,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_MANAGE))],
) -> ClientCreated:
    return await services.clients.create(body, actor)


@router.post(
    "/{client_pk}/secret",
    response_model=ClientCreated,
    summary="A new secret for a confidential client, shown once (platform operators)",
)
async def new_client_secret(
    client_pk: uuid.UUID,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_MANAGE))],
) -> ClientCreated:
    return await services.clients.new_secret(client_pk, actor)


@router.get("/{client_pk}", response_model=ClientRead, summary="One client")
async def get_client(
    client_pk: uuid.UUID,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_QUERY))],
) -> ClientRead:
    return await services.clients.get(client_pk, actor)


@router.put(
    "/{client_pk}",
    response_model=ClientRead,
    summary="Change a client (platform operators); 409 client_in_use if target URLs would "
    "no longer belong to it",
)
async def update_client(
    client_pk: uuid.UUID,
    body: ClientUpdate,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_MANAGE))],
) -> ClientRead:
    return await services.clients.update(client_pk, body, actor)


@router.delete(
    "/{client_pk}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a client (platform operators); 409 client_in_use while target URLs use it",
)
async def delete_client(
    client_pk: uuid.UUID,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(CLIENT_MANAGE))],
) -> Response:
    await services.clients.delete(client_pk, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
