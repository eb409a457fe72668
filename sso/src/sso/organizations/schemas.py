"""Request and response bodies of the institution API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error
from shared_schemas import OrgType
from sso.organizations.models import InstitutionStatus

INSTITUTION_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
_REGION_CODE = r"^\d{6}$"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Region(_Input):
    """Administrative division codes (GB/T 2260); the city is optional."""

    province_code: str = Field(pattern=_REGION_CODE, examples=["440000"])
    city_code: str | None = Field(default=None, pattern=_REGION_CODE, examples=["440300"])

    @model_validator(mode="after")
    def _city_in_province(self) -> Self:
        # The first two digits of a GB/T 2260 code are the province.
        if self.city_code is not None and self.city_code[:2] != self.province_code[:2]:
            raise field_error(
                "Region",
                ("city_code",),
                "city_not_in_province",
                f"city {self.city_code} is not in province {self.province_code}",
                self.city_code,
            )
        return self


class InstitutionCreate(_Input):
    code: str = Field(pattern=INSTITUTION_CODE, examples=["HC-SZ"], description="Unique; fixed.")
    name: str = Field(min_length=1, max_length=200, examples=["华成保险代理深圳分公司"])
    type: OrgType = Field(description="机构类型; a branch has its parent's type.")
    parent_id: uuid.UUID | None = Field(default=None, description="The head office; none: a root.")
    region: Region | None = None
    package_code: str | None = Field(
        default=None,
        max_length=40,
        description="The package (版本) it follows; default: its type's default package.",
    )


class InstitutionUpdate(_Input):
    """Only the fields sent change; `region: null` clears the region."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    region: Region | None = None

    @model_validator(mode="after")
    def _name_not_null(self) -> Self:
        if "name" in self.model_fields_set and self.name is None:
            raise field_error(
                "InstitutionUpdate", ("name",), "null_name", "the name cannot be cleared", None
            )
        return self


class InstitutionMove(_Input):
    parent_id: uuid.UUID | None = Field(description="The new head office; null: make it a root.")


class InstitutionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    type: OrgType
    parent_id: uuid.UUID | None
    depth: int
    region: Region | None
    status: InstitutionStatus
    created_at: datetime
    updated_at: datetime


class InstitutionNode(InstitutionRead):
    children: list[InstitutionNode] = Field(default_factory=list)
