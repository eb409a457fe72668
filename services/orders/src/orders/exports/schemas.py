"""Answers of the export API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orders.jobs.schemas import JobRead


class ExportJobRead(JobRead):
    filters: dict[str, Any]
    file_name: str | None
    expired_at: datetime | None = None
