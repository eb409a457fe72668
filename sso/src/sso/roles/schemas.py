"""Request and response bodies of the role API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sso.entitlements.schemas import FunctionCode


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["机构管理员"])
    description: str | None = Field(default=None, max_length=500)
    functions: list[FunctionCode] = Field(
        default_factory=list,
        max_length=5000,
        description="Only functions the institution holds; a button brings the menus above it.",
    )
    platform_operator: bool = Field(
        default=False,
        description="Acts on every institution. Only in technology institutions, and only "
        "platform operators may set it.",
    )


class RoleCreate(RoleUpdate):
    institution_id: uuid.UUID
    code: str = Field(pattern=r"^[a-z][a-z0-9_.-]{1,59}$", examples=["institution-admin"])


class RoleRead(BaseModel):
    id: uuid.UUID
    institution_id: uuid.UUID
    code: str
    name: str
    description: str | None
    platform_operator: bool
    functions: list[str] = Field(description="What the role grants.")
    effective_functions: list[str] = Field(
        description="What it grants now: its functions the institution holds today."
    )
    created_at: datetime
    updated_at: datetime
