"""Builds a service's messaging runtime (used by the app's lifespan and by the worker)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.clock import Clock
from servicekit.definition import ServiceDefinition
from servicekit.events import parse_event, topic_for_event
from servicekit.messaging import Messaging
from servicekit.settings import ServiceSettings


def build_messaging(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock | None = None,
) -> Messaging:
    return Messaging(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        tables=definition.messaging_tables,
        subscriptions=definition.subscriptions,
        topic_for=topic_for_event,
        parse=parse_event,
        clock=clock or definition.clock,
    )
