"""What /bff/session answers: the signed-in user, its institution, entries and functions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class SessionUser(BaseModel):
    id: str
    username: str | None
    display_name: str | None


class SessionInstitution(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: str = Field(examples=["agency"])


class SessionEntry(BaseModel):
    code: str = Field(examples=["orders"])
    kind: str
    name_zh: str
    name_en: str
    icon: str | None
    launch_url: str
    tenant_system: bool


class SessionView(BaseModel):
    user: SessionUser
    institution: SessionInstitution
    platform_operator: bool
    entries: list[SessionEntry]
    functions: dict[str, list[str]] = Field(description="Entry → the user's effective functions.")
    csrf_token: str = Field(description="Send as X-CSRF-Token on every state-changing request.")
    expires_at: datetime


class LogoutAnswer(BaseModel):
    logout_url: str = Field(description="Send the browser here: sso ends its own session too.")
