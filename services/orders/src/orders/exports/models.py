"""XLSX export jobs (导出)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, JsonDocument, UtcDateTime
from orders.jobs.models import JobColumns


class ExportJob(JobColumns, Base):
    """An export of the orders matching `filters` (GET /v1/orders's, as JSON) that the starter
    may see. The file lives under Settings.export_dir as `file_name` once succeeded."""

    __tablename__ = "order_export_jobs"

    filters: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    file_name: Mapped[str | None] = mapped_column(String(200))
    #: When the retention sweep removed the file (the job stays, saying so).
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
