"""Audit log queries and pages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(default=None, max_length=120, description="User id or system name.")
    action: list[str] = Field(
        default_factory=list, description="Any of these actions, e.g. user.locked."
    )
    target_type: str | None = Field(default=None, max_length=40, examples=["user"])
    target_id: str | None = Field(default=None, max_length=120)
    institution_id: uuid.UUID | None = None
    since: AwareDatetime | None = Field(default=None, description="From this instant (inclusive).")
    until: AwareDatetime | None = Field(default=None, description="Before this instant.")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor: str
    actor_institution_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str
    target_label: str | None
    institution_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None
