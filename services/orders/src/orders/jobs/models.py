"""What import and export jobs share: the job row's columns, its status, who started it, its
read model, and running its work after the request's transaction committed.

A job runs in the API process after the response (FastAPI background task) in chunks, each
chunk its own transaction, so its progress is visible while it runs. The job keeps the caller's
principal (subject, institution, visible institutions, operator flag) so the work is scoped
exactly as the request would have been.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import JsonDocument, UtcDateTime
from servicekit.auth import Principal


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


UNFINISHED = (JobStatus.queued.value, JobStatus.running.value)


class JobColumns:
    """Columns of every job table (a declarative mixin)."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: The caller's principal as `principal_to_json` wrote it.
    principal: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_by: Mapped[str] = mapped_column(String(120))
    created_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def start_fields(self, principal: Principal) -> None:
        now = datetime.now(UTC)
        self.status = JobStatus.queued.value
        self.processed = 0
        self.principal = principal_to_json(principal)
        self.created_by = principal.subject
        self.created_org_id = principal.org_id
        self.created_at = self.updated_at = now

    def touch(self, status: JobStatus | None = None, error: str | None = None) -> None:
        now = datetime.now(UTC)
        self.updated_at = now
        if status is not None:
            self.status = status.value
            if status in (JobStatus.succeeded, JobStatus.failed):
                self.finished_at = now
        if error is not None:
            self.error = error[:2000]


def principal_to_json(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "org_id": str(principal.org_id) if principal.org_id else None,
        "org_type": principal.org_type,
        "functions": sorted(principal.functions),
        "entry": principal.entry,
        "platform_operator": principal.platform_operator,
        "visible_org_ids": sorted(str(o) for o in principal.visible_org_ids),
    }


def principal_from_json(data: dict[str, Any]) -> Principal:
    return Principal(
        subject=data["subject"],
        org_id=uuid.UUID(data["org_id"]) if data.get("org_id") else None,
        org_type=data.get("org_type"),
        functions=frozenset(data.get("functions", ())),
        entry=data.get("entry", "orders"),
        platform_operator=bool(data.get("platform_operator")),
        visible_org_ids=frozenset(uuid.UUID(o) for o in data.get("visible_org_ids", ())),
    )
