"""The inspection facts (验车) as a validated document per form version.

Each form version is its own pydantic model; a request names the version it was filled in, and
the stored document is that model's JSON. A new form is a new version here, never an edit of an
old one, so every stored document still validates against the form it was filled in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    minor = "minor"  # 轻微
    moderate = "moderate"  # 中等
    severe = "severe"  # 严重


class DamageItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part: str = Field(min_length=1, max_length=40, description="Damaged part, e.g. 前保险杠")
    severity: Severity
    note: str | None = Field(default=None, max_length=200)


class Photo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(
        min_length=1, max_length=300, description="A file reference (object key or URL)."
    )
    caption: str | None = Field(default=None, max_length=80)


class InspectionV1(BaseModel):
    """Form v1 (验车单 v1): who inspected where and when, the damage found, the photos."""

    model_config = ConfigDict(extra="forbid")

    operator: str = Field(min_length=1, max_length=40, description="验车人")
    inspected_at: datetime = Field(description="验车时间 (ISO 8601 with offset)")
    place: str = Field(min_length=1, max_length=120, description="验车地点")
    mileage_km: int = Field(ge=0, le=3_000_000, description="表显里程 (km)")
    damage_items: list[DamageItem] = Field(default_factory=list, max_length=50)
    photos: list[Photo] = Field(default_factory=list, max_length=50)


class InspectionV2(InspectionV1):
    """Form v2 adds whether the vehicle was modified (改装) and flood traces (泡水痕迹)."""

    modified: bool = False
    flood_traces: bool = False


FORMS: dict[str, type[InspectionV1]] = {"v1": InspectionV1, "v2": InspectionV2}
CURRENT_FORM = "v2"


def facts(version: str, document: dict[str, Any]) -> dict[str, Any]:
    """The stored document read back through its own form."""
    return FORMS[version].model_validate(document).model_dump(mode="json")
