"""Export jobs (评估单导出): the assessment sheets of one insurer as XLSX, written in the
background page by page so the job's progress moves (the orders export's shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from risk.db import Base, JsonDocument, UtcDateTime


class JobStatus(StrEnum):
    queued = "queued"  # 排队中
    running = "running"  # 导出中
    succeeded = "succeeded"  # 已完成
    failed = "failed"  # 失败


UNFINISHED = (JobStatus.queued.value, JobStatus.running.value)


class ExportJob(Base):
    __tablename__ = "export_jobs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    export_no: Mapped[str] = mapped_column(String(32), unique=True)
    insurer_code: Mapped[str] = mapped_column(String(32))
    #: The request filters (status, created_from/to) as JSON.
    filters: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int | None] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    #: The starter's principal, so the runner reads exactly what the request could have.
    principal: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_by: Mapped[str] = mapped_column(String(120))
    created_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
