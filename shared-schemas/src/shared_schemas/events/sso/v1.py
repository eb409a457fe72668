"""sso.entitlement events, version 1. Published: change only by adding a v2 module."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, field_validator

from shared_schemas.base import EventPayload
from shared_schemas.enums import Entry


class EntitlementChangedV1(EventPayload):
    """sso.entitlement.changed — an org's entries changed; carries the full new set of entries.

    Tokens carry only `entitlement_version`, so consumers compare versions to drop stale caches.
    """

    org_id: UUID
    entitlement_version: int = Field(ge=1, description="Increases with every change of the org.")
    entries: list[Entry] = Field(description="The org's entries after the change (may be empty).")
    changed_by: str = Field(min_length=1, description="User id or service name.")

    @field_validator("entries")
    @classmethod
    def _no_duplicates(cls, value: list[Entry]) -> list[Entry]:
        if len(set(value)) != len(value):
            raise ValueError("entries must not repeat")
        return value
