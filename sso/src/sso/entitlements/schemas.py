"""Request and response bodies of the entitlement and package API."""

from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from servicekit.validation import field_error
from sso.catalogue.schemas import ENTRY_CODE, FUNCTION_CODE, EntryKind
from sso.urls import absolute_url

FunctionCode = Annotated[str, Field(pattern=FUNCTION_CODE, max_length=120)]
EntryCode = Annotated[str, Field(pattern=ENTRY_CODE, max_length=40)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntryGrant(_Input):
    entry: EntryCode = Field(examples=["insurance"])
    enabled: bool = True
    functions: list[FunctionCode] = Field(
        default_factory=list,
        max_length=2000,
        description="Functions of this entry; a button brings the menus above it.",
    )
    target_url: Annotated[str, Field(max_length=500), AfterValidator(absolute_url)] | None = Field(
        default=None,
        examples=["https://bs.huacheng.example/"],
        description="The institution's own system for this entry; its origin must belong to a "
        "registered client of the institution, of a head office above it, or of the platform.",
    )


class EntitlementUpdate(_Input):
    """The whole entitlement: entries not listed are off, without functions or target URL."""

    entries: list[EntryGrant] = Field(max_length=50)
    package_code: str | None = Field(
        default=None,
        max_length=40,
        description="Follow this package from now on (its future "
        "changes apply here); omitted: keep the current one.",
    )
    based_on_version: int | None = Field(
        default=None,
        ge=0,
        description="Refuse (409) if the entitlement changed since this version.",
    )

    @model_validator(mode="after")
    def _entries_once(self) -> Self:
        seen: set[str] = set()
        for index, grant in enumerate(self.entries):
            if grant.entry in seen:
                raise field_error(
                    "EntitlementUpdate",
                    ("entries", index, "entry"),
                    "duplicate_entry",
                    f"{grant.entry} is listed twice",
                    grant.entry,
                )
            seen.add(grant.entry)
        return self


class EntryGrantRead(BaseModel):
    entry: str
    kind: EntryKind
    name_zh: str
    name_en: str
    enabled: bool
    target_url: str | None
    #: The registered client the target URL belongs to.
    client_id: str | None
    functions: list[str]


class EntitlementRead(BaseModel):
    institution_id: uuid.UUID
    institution_code: str
    package_code: str | None
    version: int
    entries: list[EntryGrantRead]


class PackageContent(_Input):
    entries: list[EntryCode] = Field(max_length=50, examples=[["insurance", "finance"]])
    functions: list[FunctionCode] = Field(
        max_length=5000, description="A button brings the menus above it."
    )
    based_on_version: int | None = Field(
        default=None,
        ge=1,
        description="Apply only if the package is still at this version "
        "(the one the preview showed); else 409.",
    )


class PackageCreate(_Input):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$", examples=["agency-premium"])
    name_zh: str = Field(min_length=1, max_length=100, examples=["保险代理高级版"])
    name_en: str = Field(min_length=1, max_length=100, examples=["Insurance agency premium"])
    entries: list[EntryCode] = Field(max_length=50)
    functions: list[FunctionCode] = Field(max_length=5000)


class PackageRead(BaseModel):
    code: str
    name_zh: str
    name_en: str
    default_for_type: str | None
    version: int
    entries: list[str]
    functions: list[str]
    institutions: int = Field(description="How many institutions follow it.")


class InstitutionChange(BaseModel):
    institution_id: uuid.UUID
    code: str
    name: str
    version_before: int
    version_after: int
    entries_enabled: list[str]
    entries_disabled: list[str]
    functions_added: list[str]
    functions_removed: list[str]


class PackageChange(BaseModel):
    package: str
    applied: bool = Field(description="False: a preview; nothing was written.")
    version_before: int
    version_after: int
    entries_added: list[str]
    entries_removed: list[str]
    functions_added: list[str]
    functions_removed: list[str]
    institutions: list[InstitutionChange] = Field(
        description="Institutions following the package whose entitlement changes."
    )
    unchanged_institutions: int = Field(
        description="Institutions following it that already match (no new version)."
    )
