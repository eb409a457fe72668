"""What a service tells servicekit about itself; app, worker and CLI are built from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware import Middleware

from servicekit.clock import Clock, utc_now
from servicekit.messaging.consumer import Subscriptions
from servicekit.messaging.outbox import Outbox
from servicekit.messaging.tables import MessagingTables
from servicekit.settings import ServiceSettings

#: (session, outbox, settings): demo writes go through the outbox like any other write.
DemoDataLoader = Callable[[AsyncSession, Outbox, ServiceSettings], Awaitable[None]]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    settings_factory: Callable[[], ServiceSettings]
    metadata: MetaData
    messaging_tables: MessagingTables
    migrations_dir: Path
    description: str = ""
    routers: Sequence[APIRouter] = ()
    subscriptions: Subscriptions = field(default_factory=Subscriptions)
    #: Loads demo data for `make run` (idempotent: running it twice changes nothing).
    demo_data: DemoDataLoader | None = None
    #: Extra resources the app holds while it runs (an HTTP client pool, …).
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None
    #: Pure-ASGI middleware run inside the request-id/logging/metrics middleware (first listed
    #: is outermost), e.g. the gateway's forwarding fast path.
    middleware: Sequence[Middleware] = ()
    #: Where the service reads "now" (`app.state.clock`, the `AppClock` dependency); tests
    #: replace it with a `FixedClock` (create_app(..., clock=...)) instead of reading the wall.
    clock: Clock = utc_now

    @classmethod
    def standard(
        cls,
        package_file: str,
        *,
        title: str,
        settings_factory: Callable[[], ServiceSettings],
        metadata: MetaData,
        **kwargs: Any,
    ) -> ServiceDefinition:
        """The usual layout: `src/<name>/migrations` beside the package's `__init__.py`."""
        package_dir = Path(package_file).resolve().parent
        return cls(
            name=package_dir.name,
            title=title,
            settings_factory=settings_factory,
            metadata=metadata,
            messaging_tables=MessagingTables.define(metadata),
            migrations_dir=package_dir / "migrations",
            **kwargs,
        )
