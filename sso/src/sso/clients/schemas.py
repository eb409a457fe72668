"""Request and response bodies of the client API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error
from sso.clients.models import ClientStatus, ClientType, GrantType
from sso.urls import absolute_url, bare_origin

RedirectUri = Annotated[str, Field(max_length=500), AfterValidator(absolute_url)]
Scope = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
Origin = Annotated[str, Field(max_length=200), AfterValidator(bare_origin)]


class ClientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["华成保险管理系统"])
    type: ClientType
    redirect_uris: list[RedirectUri] = Field(
        default_factory=list,
        max_length=20,
        examples=[["https://bs.huacheng.example/oidc/callback"]],
        description="Exact redirect URIs (compared character for character by the OIDC "
        "provider in part 2); their origins may serve as entries' target URLs.",
    )
    allowed_origins: list[Origin] = Field(
        default_factory=list, max_length=20, examples=[["https://bs.huacheng.example"]]
    )
    status: ClientStatus = ClientStatus.active
    grant_types: list[GrantType] = Field(
        default_factory=lambda: [GrantType.authorization_code, GrantType.refresh_token],
        max_length=3,
        description="client_credentials only for confidential clients (partner systems).",
    )
    post_logout_redirect_uris: list[RedirectUri] = Field(
        default_factory=list,
        max_length=20,
        description="Where RP-initiated logout may send the browser (exact match).",
    )
    scopes: list[Scope] = Field(
        default_factory=lambda: ["openid", "profile", "email", "phone"],
        max_length=20,
        description="Scopes the client may ask for.",
    )

    @model_validator(mode="after")
    def _partner_clients_are_confidential(self) -> ClientUpdate:
        if GrantType.client_credentials in self.grant_types and self.type is ClientType.public:
            raise field_error(
                type(self).__name__,
                ("grant_types",),
                "public_client_credentials",
                "a public client cannot use client_credentials",
                [g.value for g in self.grant_types],
            )
        return self


class ClientCreate(ClientUpdate):
    client_id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,99}$", examples=["huacheng-insurance"])
    institution_id: uuid.UUID = Field(description="The institution whose system it is.")


class ClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str
    name: str
    type: ClientType
    institution_id: uuid.UUID
    redirect_uris: list[str]
    allowed_origins: list[str]
    status: ClientStatus
    grant_types: list[GrantType]
    post_logout_redirect_uris: list[str]
    scopes: list[str]
    created_at: datetime
    updated_at: datetime


class ClientCreated(ClientRead):
    client_secret: str | None = Field(
        None, description="Confidential clients: the secret, shown this once (only a hash is kept)."
    )
