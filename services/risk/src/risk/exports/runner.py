"""Runs an export job after the request committed: counts, then writes page by page (each page
its own transaction, so `processed` moves) into `<export_dir>/<job id>.xlsx.partial`, renamed
when complete. A failure marks the job failed with the reason and removes the partial file."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from risk.exports.models import UNFINISHED, JobStatus
from risk.exports.service import ExportService, new_workbook
from servicekit.clock import Clock

log = logging.getLogger(__name__)


async def run_export(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    folder: Path,
    size: int,
    clock: Clock,
) -> None:
    file_name = f"{job_id}.xlsx"
    partial = folder / (file_name + ".partial")
    try:
        async with sessionmaker() as session, session.begin():
            exports = ExportService(session, clock)
            job = await exports.job(job_id)
            if job is None or job.status not in UNFINISHED:
                return
            await exports.begin(job)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        book, sheet = new_workbook()
        after: tuple[datetime, uuid.UUID] | None = None
        while True:
            async with sessionmaker() as session, session.begin():
                exports = ExportService(session, clock)
                job = await exports.job(job_id)
                assert job is not None
                after = await exports.page(job, sheet, after, size)
            if after is None:
                break
        await asyncio.to_thread(book.save, partial)
        await asyncio.to_thread(partial.replace, folder / file_name)
        async with sessionmaker() as session, session.begin():
            exports = ExportService(session, clock)
            job = await exports.job(job_id)
            assert job is not None
            await exports.finish(job, file_name)
    except Exception as exc:
        log.exception("export %s failed", job_id)
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        async with sessionmaker() as session, session.begin():
            exports = ExportService(session, clock)
            job = await exports.job(job_id)
            if job is not None:
                exports.touch(job, JobStatus.failed, f"the export failed ({type(exc).__name__})")
