"""The daily push run: once a day after INSURANCE_PUSH_HOUR (Beijing time), inside the API
process (or the worker), every instance trying; the run records its day, so it runs once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from insurance.common.numbers import BEIJING
from insurance.composition import services
from servicekit.clock import utc_now
from servicekit.db import serialize_writers, unit_of_work

log = logging.getLogger("insurance.pushes")


async def run_due(app: FastAPI) -> None:
    clock = getattr(app.state, "clock", None) or utc_now
    if clock().astimezone(BEIJING).hour < app.state.settings.push_hour:
        return
    async for session in unit_of_work(app.state.sessionmaker):
        await serialize_writers(session)
        task = await services(session, app.state.messaging.outbox, clock).pushes.run_scheduled()
        if task is not None:
            log.info("scheduled push %s: %s pushed", task.task_no, task.pushed)


@asynccontextmanager
async def push_scheduler(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    if settings.push_hour < 0 or not settings.run_workers_inline:
        yield
        return

    async def loop() -> None:
        while True:
            try:
                await run_due(app)
            except Exception:  # a failed run is retried at the next tick
                log.exception("scheduled push run failed")
            await asyncio.sleep(settings.push_check_seconds)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
