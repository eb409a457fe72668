"""Runs an import job in chunks after the request that started it committed; each chunk is
its own transaction (its orders, its error rows and the job's counters together), so a crash
loses at most the chunk in progress and a resumption continues after `processed` rows.
Re-running rows already done is harmless anyway: creation is idempotent by source reference."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.imports.parsing import FileProblem, ParsedFile, Unit, read_rows, units
from orders.imports.repository import ImportRepository
from orders.imports.service import ImportService
from orders.jobs.models import UNFINISHED, JobStatus
from orders.order.repository import OrderRepository
from orders.order.service import ContentKey, OrderService
from servicekit.clock import Clock, utc_now
from servicekit.messaging import Outbox
from servicekit.observability import request_id_var

log = logging.getLogger(__name__)


async def run_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    job_id: uuid.UUID,
    chunk: int,
    clock: Clock = utc_now,
) -> None:
    def service(session: AsyncSession) -> ImportService:
        return ImportService(
            ImportRepository(session), OrderService(OrderRepository(session), outbox, clock)
        )

    token = request_id_var.set(f"import-{job_id}")  # the trajectory's cause
    try:
        async with sessionmaker() as session, session.begin():
            imports = service(session)
            job = await imports.job(job_id)
            if job is None or job.status not in UNFINISHED:
                return
            content, file_format = await imports.content(job_id), job.file_format
            job.touch(JobStatus.running)
        try:
            parsed = read_rows(content, file_format)
        except FileProblem as problem:
            async with sessionmaker() as session, session.begin():
                imports = service(session)
                job = await imports.job(job_id)
                assert job is not None
                await imports.refuse_file(job, problem)
            return
        del content
        orders = units(parsed)
        with _old_objects_frozen():
            await _run_chunks(sessionmaker, service, job_id, chunk, parsed, orders)
    finally:
        request_id_var.reset(token)


#: Imports running in this process that asked for the collector's old objects frozen.
_freezers = 0


@contextmanager
def _old_objects_frozen() -> Iterator[None]:
    """Keep what exists now — the process's own objects and the parsed file, which lives as
    long as the import — out of the collector's full passes while the chunks run: each chunk
    allocates enough to trigger them, and each pass re-scanned the whole parsed file (at
    100,000 rows that was several CPU seconds of an import). Unfrozen when the last import of
    the process ends, so cyclic garbage made meanwhile is collected then."""
    global _freezers
    if _freezers == 0:
        gc.freeze()
    _freezers += 1
    try:
        yield
    finally:
        _freezers -= 1
        if _freezers == 0:
            gc.unfreeze()


async def _run_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    service: Callable[[AsyncSession], ImportService],
    job_id: uuid.UUID,
    chunk: int,
    parsed: ParsedFile,
    orders: list[Unit],
) -> None:
    """The chunks from the job's `processed` on, each in its own transaction."""
    at = {unit.start: k for k, unit in enumerate(orders)}
    seen: dict[tuple[str, str], ContentKey] = {}
    start = 0
    while True:
        try:
            async with sessionmaker() as session, session.begin():
                imports = service(session)
                job = await imports.job(job_id)
                assert job is not None
                job.total = len(parsed.rows)
                start = job.processed
                if start >= len(parsed.rows):
                    job.touch(JobStatus.succeeded)
                    return
                # `processed` is always where an order starts (chunks end between orders).
                first = at[start]
                last, rows = first, 0
                while last < len(orders) and rows < chunk:
                    rows += len(orders[last].rows)
                    last += 1
                await imports.process(job, orders[first:last], parsed.headers, seen)
        except Exception as exc:
            log.exception("import %s: chunk from data row %d failed", job_id, start + 1)
            async with sessionmaker() as session, session.begin():
                job = await service(session).job(job_id)
                assert job is not None
                job.touch(
                    JobStatus.failed,
                    f"rows from {start + 2} on were not imported ({type(exc).__name__}); "
                    "earlier chunks are kept — resume to continue",
                )
            return
