"""`python -m <service>.worker`: relay and consumer as their own process (production).

Also `--check` (exit 0 when database and broker are reachable; the container healthcheck) and
`replay-dlq --topic T` (republish this service's dead letters of T after the cause is fixed).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys

from sqlalchemy import text

from servicekit.db import create_engine, create_sessionmaker
from servicekit.definition import ServiceDefinition
from servicekit.messaging.deadletters import replay_dead_letters
from servicekit.messaging.kafka import broker_reachable
from servicekit.observability import configure_logging
from servicekit.runtime import build_messaging
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.worker")


async def run(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    engine = create_engine(settings.database_url)
    messaging = build_messaging(definition, settings, engine, create_sessionmaker(engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # What start-up loaded (modules, schemas, compiled statements) lives as long as the
    # process: keep it out of the collector's full passes, which otherwise re-scan all of it
    # every so often while events are handled (tens of ms each, in the middle of a batch).
    gc.collect()
    gc.freeze()
    await messaging.start()
    log.info("worker running for %s", settings.service_name)
    await stop.wait()
    await messaging.stop()
    await engine.dispose()


async def check(settings: ServiceSettings) -> bool:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    finally:
        await engine.dispose()
    return await broker_reachable(settings.kafka_bootstrap_servers)


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {definition.name}.worker")
    parser.add_argument(
        "--check", action="store_true", help="exit 0 if DB and broker are reachable"
    )
    sub = parser.add_subparsers(dest="command")
    replay = sub.add_parser("replay-dlq", help="republish this service's dead letters of a topic")
    replay.add_argument("--topic", required=True, help="the original topic, e.g. orders.order")
    replay.add_argument("--idle-timeout", type=float, default=3.0)
    args = parser.parse_args(argv)

    settings = definition.settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.check:
        sys.exit(0 if asyncio.run(check(settings)) else 1)
    if args.command == "replay-dlq":
        report = asyncio.run(
            replay_dead_letters(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                topic=args.topic,
                group_id=settings.consumer_group,
                idempotent=settings.kafka_enable_idempotence,
                idle_timeout=args.idle_timeout,
                session_timeout_ms=settings.consumer_session_timeout_ms,
                heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
            )
        )
        print(
            f"replayed {report.replayed} dead letter(s) of {args.topic} for {settings.consumer_group}"
        )
        return
    asyncio.run(run(definition, settings))
