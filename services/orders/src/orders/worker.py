"""`python -m orders.worker`: outbox relay, event consumer and the analysis rollup refresh
(every `ORDERS_ANALYSIS_REFRESH_SECONDS`, default 60) as their own process."""

from __future__ import annotations

import asyncio
import sys

from orders.analysis.refresh import refresh_forever
from orders.config import Settings
from orders.main import definition
from servicekit import worker
from servicekit.db import create_engine, create_sessionmaker
from servicekit.observability import configure_logging


async def run(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    stop = asyncio.Event()
    refresher = asyncio.create_task(
        refresh_forever(create_sessionmaker(engine), settings.analysis_refresh_seconds, stop)
    )
    try:
        await worker.run(definition, settings)  # until SIGINT/SIGTERM
    finally:
        stop.set()
        await refresher
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv:  # --check, replay-dlq, --help: servicekit's worker commands
        worker.main(definition, argv)
        return
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
