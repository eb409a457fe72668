"""Request and response bodies of the user API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from servicekit.validation import field_error
from sso.users.models import UserStatus

USERNAME = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$"


def _clean(value: str) -> str:
    return value.strip()


DisplayName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_clean)]
Email = Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, Field(max_length=32, pattern=r"^\+?[0-9][0-9 -]{3,30}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(_Input):
    username: str = Field(
        pattern=USERNAME, examples=["zhang.wei"], description="Unique platform-wide (any case)."
    )
    display_name: DisplayName = Field(examples=["张伟"])
    institution_id: uuid.UUID
    email: Email | None = None
    phone: Phone | None = None
    password: SecretStr | None = Field(
        default=None,
        description="Omitted: a temporary password is generated and returned once.",
    )
    must_change_password: bool = Field(
        default=True, description="Ask for a new password at the first sign-in."
    )
    role_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class UserUpdate(_Input):
    """Only the fields sent change; `email`/`phone: null` clear them."""

    display_name: DisplayName | None = None
    email: Email | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _name_not_null(self) -> Self:
        if "display_name" in self.model_fields_set and self.display_name is None:
            raise field_error(
                "UserUpdate",
                ("display_name",),
                "null_name",
                "the display name cannot be cleared",
                None,
            )
        return self


class PasswordReset(_Input):
    password: SecretStr | None = Field(
        default=None, description="Omitted: a temporary password is generated and returned once."
    )


class RoleAssignment(_Input):
    role_ids: list[uuid.UUID] = Field(
        max_length=50, description="The user's roles from now on (roles of its institution)."
    )


class UserQuery(_Input):
    institution_id: uuid.UUID | None = None
    include_branches: bool = Field(
        default=False, description="With institution_id: its branches' users too."
    )
    status: UserStatus | None = None
    q: str | None = Field(default=None, max_length=64, description="Username or name contains.")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = None


class RoleRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    platform_operator: bool


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    institution_id: uuid.UUID
    status: UserStatus
    email: str | None
    phone: str | None
    has_password: bool = Field(description="False: imported, no usable password until a reset.")
    must_change_password: bool
    failed_attempts: int
    locked: bool
    locked_until: datetime | None
    last_login_at: datetime | None
    source: str
    external_ref: str | None
    roles: list[RoleRef]
    created_at: datetime
    updated_at: datetime


class UserCreated(UserRead):
    temporary_password: str | None = Field(
        description="Only when generated: shown this once, never stored or logged in clear."
    )


class PasswordResetDone(BaseModel):
    user: UserRead
    temporary_password: str | None = Field(description="Only when generated; shown this once.")


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None
