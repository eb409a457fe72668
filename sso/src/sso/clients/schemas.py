"""Request and response bodies of the client API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sso.clients.models import ClientStatus, ClientType
from sso.urls import absolute_url, bare_origin

RedirectUri = Annotated[str, Field(max_length=500), AfterValidator(absolute_url)]
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
    created_at: datetime
    updated_at: datetime
