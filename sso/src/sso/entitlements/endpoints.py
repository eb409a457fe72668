"""Entitlement and package API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from sso.actors import Actor, admin
from sso.catalogue.admin_functions import (
    ENTITLEMENT_MANAGE,
    ENTITLEMENT_QUERY,
    PACKAGE_MANAGE,
    PACKAGE_QUERY,
)
from sso.composition import RequestServices
from sso.entitlements.schemas import (
    EntitlementRead,
    EntitlementUpdate,
    PackageChange,
    PackageContent,
    PackageCreate,
    PackageRead,
)

router = APIRouter(prefix="/v1/admin", tags=["entitlements"])


@router.get(
    "/institutions/{institution_id}/entitlement",
    response_model=EntitlementRead,
    summary="An institution's entries, functions, target URLs and entitlement version",
)
async def get_entitlement(
    institution_id: uuid.UUID,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(ENTITLEMENT_QUERY))],
) -> EntitlementRead:
    return await services.entitlements.read(institution_id, actor)


@router.put(
    "/institutions/{institution_id}/entitlement",
    response_model=EntitlementRead,
    summary="Set an institution's whole entitlement (platform operators); a change raises its "
    "version and publishes sso.entitlement.changed",
)
async def set_entitlement(
    institution_id: uuid.UUID,
    body: EntitlementUpdate,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(ENTITLEMENT_MANAGE))],
) -> EntitlementRead:
    return await services.entitlements.replace(institution_id, body, actor)


@router.get("/packages", response_model=list[PackageRead], summary="Packages (版本)")
async def list_packages(
    services: RequestServices, _: Annotated[Actor, Depends(admin(PACKAGE_QUERY))]
) -> list[PackageRead]:
    return await services.entitlements.list_packages()


@router.post(
    "/packages",
    response_model=PackageRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a further package (platform operators)",
)
async def create_package(
    body: PackageCreate,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(PACKAGE_MANAGE))],
) -> PackageRead:
    return await services.entitlements.create_package(body, actor)


@router.get("/packages/{code}", response_model=PackageRead, summary="One package")
async def get_package(
    code: str, services: RequestServices, _: Annotated[Actor, Depends(admin(PACKAGE_QUERY))]
) -> PackageRead:
    return await services.entitlements.get_package(code)


@router.post(
    "/packages/{code}/preview",
    response_model=PackageChange,
    summary="What changing the package would change at each institution following it "
    "(platform operators; writes nothing)",
)
async def preview_package(
    code: str,
    body: PackageContent,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(PACKAGE_MANAGE))],
) -> PackageChange:
    return await services.entitlements.preview(code, body, actor)


@router.put(
    "/packages/{code}",
    response_model=PackageChange,
    summary="Change the package and apply the difference to every institution following it "
    "(platform operators)",
    responses={409: {"description": "package_changed_meanwhile: preview again"}},
)
async def apply_package(
    code: str,
    body: PackageContent,
    services: RequestServices,
    actor: Annotated[Actor, Depends(admin(PACKAGE_MANAGE))],
) -> PackageChange:
    return await services.entitlements.apply(code, body, actor)
