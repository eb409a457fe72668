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


class PrincipalInstitution(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: str


class PrincipalAccess(BaseModel):
    """What the gateway needs to vouch for a caller: who, which institution, which entries and
    functions — read by the gateway only (`/v1/internal/principals/{subject}`)."""

    subject: str = Field(description="A user id, or a client's client_id (partner systems).")
    kind: str = Field(description="user | client")
    active: bool = Field(
        description="False: the user or client (or its institution) is disabled or locked; "
        "the gateway ends its sessions and refuses its tokens."
    )
    username: str | None = None
    display_name: str | None = None
    scopes: list[str] = Field(default_factory=list, description="A client's allowed scopes.")
    institution: PrincipalInstitution
    platform_operator: bool
    visible_org_ids: list[uuid.UUID] = Field(
        description="Institutions below the principal's own (its subtree, own excluded)."
    )
    entitlement_version: int
    functions: dict[str, list[str]] = Field(
        description="Entry → effective functions. Users: role ∩ entitlement; clients: the "
        "institution's entitlement in the entries their scopes name."
    )
    entries: list[PortalEntry] = Field(description="Entries the principal may open (portal).")
