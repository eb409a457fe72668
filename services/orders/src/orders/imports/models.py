"""Import jobs (批量导入) and the rows they refused."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base
from orders.jobs.models import JobColumns


class ImportJob(JobColumns, Base):
    """One uploaded file and its progress. `content` is the file as uploaded: the job (or its
    resumption after a crash) parses it again and continues after `processed` rows."""

    __tablename__ = "order_import_jobs"

    filename: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(8))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    created: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    #: Deferred: each chunk's transaction loads the job, not the (possibly 50 MiB) file.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class ImportRowError(Base):
    """One problem of one row: the row number as a spreadsheet shows it (header = row 1)."""

    __tablename__ = "order_import_errors"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_import_jobs.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(200))
