"""Wires outbox, relay and consumer for one service and runs them as background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.clock import Clock, utc_now
from servicekit.messaging.consumer import EventConsumer, Parser, Subscriptions
from servicekit.messaging.kafka import broker_reachable
from servicekit.messaging.outbox import WAKE_KEY, Outbox
from servicekit.messaging.relay import OutboxRelay
from servicekit.messaging.tables import MessagingTables
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.messaging")


class Messaging:
    def __init__(
        self,
        *,
        settings: ServiceSettings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        subscriptions: Subscriptions,
        topic_for: Callable[[str], str],
        parse: Parser,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.outbox = Outbox(tables, topic_for)
        self.relay = OutboxRelay(
            engine=engine,
            sessionmaker=sessionmaker,
            tables=tables,
            service_name=settings.service_name,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            idempotent=settings.kafka_enable_idempotence,
            batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval_seconds,
        )
        self.consumer = EventConsumer(
            sessionmaker=sessionmaker,
            tables=tables,
            outbox=self.outbox,
            subscriptions=subscriptions,
            parse=parse,
            group_id=settings.consumer_group,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            idempotent=settings.kafka_enable_idempotence,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff=settings.consumer_retry_backoff_seconds,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
            clock=clock,
        )
        # Sessions made by this sessionmaker wake the relay right after committing events.
        sessionmaker.kw.setdefault("info", {})[WAKE_KEY] = self.relay.wake
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> None:
        self._stop.clear()
        self._tasks = [
            asyncio.create_task(self.relay.run(self._stop), name="outbox-relay"),
            asyncio.create_task(self.consumer.run(self._stop), name="event-consumer"),
        ]

    async def stop(self, timeout: float = 3.0) -> None:
        # Cancelling after the grace period is safe: an interrupted batch rolls back and its
        # rows/offsets stay unmarked, so it is redone (the inbox drops the duplicates).
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def wait(self) -> None:
        """Block until the background tasks end (the worker process's main loop)."""
        await asyncio.gather(*self._tasks)

    async def broker_reachable(self) -> bool:
        return await broker_reachable(self.settings.kafka_bootstrap_servers)
