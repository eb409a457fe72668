"""What access answers: a user's effective functions, and the portal's entries."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from sso.catalogue.schemas import EntryKind


class UserAccess(BaseModel):
    user_id: uuid.UUID
    institution_id: uuid.UUID
    entitlement_version: int
    platform_operator: bool
    functions: dict[str, list[str]] = Field(
        description="Entry → effective functions (role ∩ institution entitlement, entry on)."
    )


class PortalEntry(BaseModel):
    code: str = Field(examples=["insurance"])
    kind: EntryKind
    name_zh: str = Field(examples=["保险管理"])
    name_en: str = Field(examples=["Insurance"])
    icon: str | None
    launch_url: str = Field(
        description="The institution's own system for the entry if it has one, else the "
        "platform console's page for it (/console/<entry>)."
    )
    tenant_system: bool = Field(description="True: launch_url is the institution's own system.")


class PortalEntries(BaseModel):
    entitlement_version: int
    entries: list[PortalEntry]
