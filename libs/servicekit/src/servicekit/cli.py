"""`python -m <service> serve|migrate|demo-data`: the prestart that migrates, then uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging

import uvicorn

from servicekit.db import create_engine, create_sessionmaker, unit_of_work
from servicekit.definition import ServiceDefinition
from servicekit.events import topic_for_event
from servicekit.messaging import Outbox
from servicekit.migrations import upgrade_to_head
from servicekit.observability import configure_logging
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.cli")


async def load_demo_data(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    if definition.demo_data is None:
        return
    engine = create_engine(settings.database_url)
    try:
        outbox = Outbox(definition.messaging_tables, topic_for_event)
        async for session in unit_of_work(create_sessionmaker(engine)):
            await definition.demo_data(session, outbox, settings)
    finally:
        await engine.dispose()


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {definition.name}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--no-migrate", action="store_true", help="skip the prestart migration")
    sub.add_parser("migrate", help="upgrade the database to the latest migration")
    sub.add_parser("demo-data", help="load demo data (idempotent)")
    args = parser.parse_args(argv)

    settings = definition.settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.command in ("migrate", "serve") and not getattr(args, "no_migrate", False):
        upgrade_to_head(definition.migrations_dir, settings.database_url)
        log.info("database migrated to head")
    if args.command == "demo-data":
        asyncio.run(load_demo_data(definition, settings))
        log.info("demo data loaded")
    if args.command == "serve":
        uvicorn.run(
            f"{definition.name}.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
        )
