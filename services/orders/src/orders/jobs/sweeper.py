"""Jobs after a restart, and old export files: one sweep at start-up, then every
`JOB_SWEEP_INTERVAL_SECONDS`, in every API process.

- An import or export left unfinished (queued or running) and untouched for
  `JOB_STALE_SECONDS` was cut off by a restart or a crash: its process would have touched it
  after every chunk. The sweep claims it (a conditional UPDATE: when several replicas sweep at
  once, one wins) and runs it again in this process — an import continues after its last
  committed chunk, an export starts its file over (a half-written XLSX cannot be continued).
- A finished export older than `EXPORT_RETENTION_HOURS` loses its file; the job row stays,
  with `expired_at` and an `error` saying so (downloading it is then a 410).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.config import Settings
from orders.exports.models import ExportJob
from orders.exports.repository import ExportRepository
from orders.exports.runner import run_export
from orders.imports.models import ImportJob
from orders.imports.repository import ImportRepository
from orders.imports.runner import run_import
from servicekit.messaging import Outbox

log = logging.getLogger(__name__)


@dataclass
class Swept:
    imports_resumed: list[str] = field(default_factory=list)
    exports_restarted: list[str] = field(default_factory=list)
    exports_expired: list[str] = field(default_factory=list)


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    settings: Settings,
    now: datetime | None = None,
) -> Swept:
    """One sweep; runs the claimed jobs to their end before returning."""
    now = now or datetime.now(UTC)
    stale_before = now - timedelta(seconds=settings.job_stale_seconds)
    swept = Swept()
    async with sessionmaker() as session, session.begin():
        imports = await ImportRepository(session).claim_stale(stale_before, now)
        exports = await ExportRepository(session).claim_stale(stale_before, now)
    for job_id in imports:
        log.warning("import %s was cut off (restart or crash); resuming it", job_id)
        swept.imports_resumed.append(str(job_id))
        await run_import(sessionmaker, outbox, job_id, settings.import_chunk_rows)
    for job_id in exports:
        log.warning("export %s was cut off (restart or crash); starting it over", job_id)
        swept.exports_restarted.append(str(job_id))
        await run_export(sessionmaker, job_id, settings.export_dir, settings.export_page_rows)
    swept.exports_expired = await expire_exports(
        sessionmaker, settings.export_dir, now - timedelta(hours=settings.export_retention_hours),
        settings.export_retention_hours, now,
    )  # fmt: skip
    return swept


async def expire_exports(
    sessionmaker: async_sessionmaker[AsyncSession],
    folder: Path,
    finished_before: datetime,
    hours: float,
    now: datetime,
) -> list[str]:
    """Removes the files of exports finished before `finished_before`; the rows say so."""
    expired = []
    async with sessionmaker() as session, session.begin():
        jobs: list[ExportJob] = list(await ExportRepository(session).expirable(finished_before))
        for job in jobs:
            if job.file_name:
                await asyncio.to_thread((folder / job.file_name).unlink, missing_ok=True)
            job.expired_at = now
            job.error = (
                f"the file was removed after the retention period ({hours:g} h after the "
                "export finished: EXPORT_RETENTION_HOURS); start a new export"
            )
            expired.append(str(job.id))
    if expired:
        log.info("removed %d export file(s) past retention", len(expired))
    return expired


@contextlib.asynccontextmanager
async def job_sweeper(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan part: sweeps at start-up and then periodically, in the background."""
    settings: Settings = app.state.settings

    async def loop() -> None:
        while True:
            try:
                await sweep(app.state.sessionmaker, app.state.messaging.outbox, settings)
            except Exception:  # a failed sweep is retried at the next interval
                log.exception("job sweep failed")
            await asyncio.sleep(settings.job_sweep_interval_seconds)

    task = asyncio.create_task(loop(), name="orders-job-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


__all__ = ["ImportJob", "Swept", "expire_exports", "job_sweeper", "sweep"]
