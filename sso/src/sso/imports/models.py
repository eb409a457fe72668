"""Import runs and their per-row outcomes (the downloadable report)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from sso.db import Base, JsonDocument, UtcDateTime


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))  # institutions | users
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    filename: Mapped[str | None] = mapped_column(String(200))
    #: A dry run checks every row as a real run would, then rolls everything back.
    dry_run: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    actor_institution_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    columns: Mapped[list[str]] = mapped_column(JsonDocument)
    rows_total: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ImportRow(Base):
    __tablename__ = "import_rows"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_runs.id"), primary_key=True)
    #: As a spreadsheet numbers it (the header is row 1).
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: created | would_create (dry run) | skipped | error
    outcome: Mapped[str] = mapped_column(String(16))
    #: The username or institution code the row is about.
    key: Mapped[str | None] = mapped_column(String(100))
    target_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    values: Mapped[dict[str, str]] = mapped_column(JsonDocument)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
