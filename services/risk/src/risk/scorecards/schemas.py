"""Request and response bodies of the scorecard API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from risk.scorecards.definition import ScorecardDefinition

DEFAULT_CODE = "VEHICLE"


class ScorecardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(default=DEFAULT_CODE, pattern=r"^[A-Z][A-Z0-9_]{1,31}$")
    name: str = Field(min_length=1, max_length=80)
    effective_from: date
    note: str | None = Field(default=None, max_length=500)
    #: Either a whole definition, or the version to copy it from.
    definition: ScorecardDefinition | None = None
    based_on: uuid.UUID | None = None


class ScorecardUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    effective_from: date | None = None
    note: str | None = Field(default=None, max_length=500)
    definition: ScorecardDefinition | None = None


class ScorecardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    version: int
    name: str
    status: str
    status_label: str = ""
    effective_from: date
    definition: dict[str, Any]
    note: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    published_by: str | None
    published_at: datetime | None
    what_if: dict[str, Any] | None
    live: bool = False


class GradeShift(BaseModel):
    from_grade: str | None
    to_grade: str
    count: int


class WhatIfRead(BaseModel):
    draft_version: int
    live_version: int | None
    compared: int
    grade_changed: int
    decision_changed: int
    shifts: list[GradeShift]
    examples: list[str] = Field(description="Request numbers whose grade would change (≤ 20)")
    at: datetime
    by: str
    org_id: uuid.UUID | None = Field(default=None, description="The institution compared on")


class FactRead(BaseModel):
    code: str
    kind: str
    label: str
