"""Answers of the import API."""

from __future__ import annotations

from orders.jobs.schemas import JobRead


class ImportJobRead(JobRead):
    """Progress of an import: `created` counts the orders created (in a dry run: that would be
    created), `skipped` rows whose order exists with the same content, `failed` refused rows."""

    filename: str
    file_format: str
    dry_run: bool
    created: int
    skipped: int
    failed: int
