"""Request and response bodies of the assessment API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from risk.scorecards.definition import Decision


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: str = Field(pattern=r"^[A-Z][A-Z0-9+-]{0,3}$")
    decision: Decision
    reason: str = Field(min_length=2, max_length=500)


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assessment_no: str
    request_id: uuid.UUID
    seq: int
    kind: str
    kind_label: str = ""
    scorecard_code: str | None
    scorecard_version: int | None
    input_snapshot: dict[str, Any]
    contributions: list[dict[str, Any]]
    hard_stops: list[str]
    review_triggers: list[str]
    total_points: str | None
    grade: str
    decision: str
    decision_label: str = ""
    overrides_id: uuid.UUID | None
    reason: str | None
    grade_before: str | None
    decision_before: str | None
    assessed_by: str
    assessed_at: datetime
