"""User API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from sso.access.schemas import UserAccess
from sso.actors import Actor, admin
from sso.catalogue.admin_functions import USER_MANAGE, USER_QUERY, USER_RESET_PASSWORD
from sso.composition import RequestServices
from sso.users.models import UserStatus
from sso.users.schemas import (
    PasswordReset,
    PasswordResetDone,
    RoleAssignment,
    UserCreate,
    UserCreated,
    UserPage,
    UserQuery,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/v1/admin/users", tags=["users"])
Reader = Annotated[Actor, Depends(admin(USER_QUERY))]
Manager = Annotated[Actor, Depends(admin(USER_MANAGE))]
Resetter = Annotated[Actor, Depends(admin(USER_RESET_PASSWORD))]


@router.get("", response_model=UserPage, summary="Users you administer, newest first; keyset pages")
async def list_users(
    query: Annotated[UserQuery, Query()], services: RequestServices, actor: Reader
) -> UserPage:
    return await services.users.search(query, actor)


@router.post(
    "",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a user; without a password one is generated and returned once",
)
async def create_user(body: UserCreate, services: RequestServices, actor: Manager) -> UserCreated:
    return await services.users.create(body, actor)


@router.get("/{user_id}", response_model=UserRead, summary="One user")
async def get_user(user_id: uuid.UUID, services: RequestServices, actor: Reader) -> UserRead:
    return await services.users.get(user_id, actor)


@router.patch("/{user_id}", response_model=UserRead, summary="Change name, e-mail, phone")
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, services: RequestServices, actor: Manager
) -> UserRead:
    return await services.users.update(user_id, body, actor)


@router.post("/{user_id}/disable", response_model=UserRead, summary="Disable: no more sign-ins")
async def disable_user(user_id: uuid.UUID, services: RequestServices, actor: Manager) -> UserRead:
    return await services.users.set_status(user_id, UserStatus.disabled, actor)


@router.post("/{user_id}/enable", response_model=UserRead, summary="Enable again")
async def enable_user(user_id: uuid.UUID, services: RequestServices, actor: Manager) -> UserRead:
    return await services.users.set_status(user_id, UserStatus.active, actor)


@router.put("/{user_id}/roles", response_model=UserRead, summary="Set the user's roles")
async def assign_roles(
    user_id: uuid.UUID, body: RoleAssignment, services: RequestServices, actor: Manager
) -> UserRead:
    return await services.users.assign_roles(user_id, body.role_ids, actor)


@router.post(
    "/{user_id}/reset-password",
    response_model=PasswordResetDone,
    summary="Set a new password the user must change at the next sign-in; lifts a lock",
)
async def reset_password(
    user_id: uuid.UUID, body: PasswordReset, services: RequestServices, actor: Resetter
) -> PasswordResetDone:
    return await services.users.reset_password(user_id, body, actor)


@router.post("/{user_id}/unlock", response_model=UserRead, summary="Lift a lockout")
async def unlock_user(user_id: uuid.UUID, services: RequestServices, actor: Resetter) -> UserRead:
    return await services.users.unlock(user_id, actor)


@router.get(
    "/{user_id}/access",
    response_model=UserAccess,
    summary="What the user may use now: role ∩ institution entitlement, per entry",
)
async def user_access(user_id: uuid.UUID, services: RequestServices, actor: Reader) -> UserAccess:
    return await services.access.user_access(user_id, actor)
