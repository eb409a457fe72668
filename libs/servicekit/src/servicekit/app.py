"""The app factory every service uses: middleware, errors, health, lifespan with messaging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit import health
from servicekit.auth import InternalTokenVerifier, JWKSCache
from servicekit.clock import Clock
from servicekit.db import create_engine, create_sessionmaker, unit_of_work
from servicekit.definition import ServiceDefinition
from servicekit.errors import install_error_handlers
from servicekit.messaging import Messaging, Outbox
from servicekit.observability import RequestContextMiddleware, configure_logging
from servicekit.runtime import build_messaging
from servicekit.settings import ServiceSettings


def create_app(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    token_verifier: InternalTokenVerifier | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or definition.settings_factory()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, **settings.engine_options())
        sessionmaker = create_sessionmaker(engine)
        # Handlers read the app's clock at call time, so pinning app.state.clock pins them too.
        messaging = build_messaging(
            definition, settings, engine, sessionmaker, clock=lambda: app.state.clock()
        )
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker
        app.state.messaging = messaging
        if settings.run_workers_inline:
            await messaging.start()
        try:
            if definition.lifespan is None:
                yield
            else:
                async with definition.lifespan(app):
                    yield
        finally:
            await messaging.stop()
            await engine.dispose()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="0.1.0",
        lifespan=lifespan,
        # Metrics and logs are servicekit's own (Prometheus, JSON lines); FastAPI's OpenTelemetry
        # hooks would otherwise look up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.definition = definition
    app.state.clock = clock or definition.clock
    app.state.token_verifier = token_verifier or InternalTokenVerifier(
        JWKSCache(settings.internal_jwks_url),
        audience=settings.service_name,
        algorithms=settings.internal_jwt_algorithms,
    )
    # add_middleware puts each new one outermost: the definition's go in first, innermost.
    for middleware in reversed(definition.middleware):
        app.add_middleware(middleware.cls, *middleware.args, **middleware.kwargs)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(health.router)
    for router in definition.routers:
        app.include_router(router)
    return app


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in unit_of_work(request.app.state.sessionmaker):
        yield session


#: The request's unit of work: committed after the endpoint returns, before the response goes
#: out (scope="function"), so a failed commit is an error response, never a false success.
DbSession = Annotated[AsyncSession, Depends(_request_session, scope="function")]


async def _outbox(request: Request) -> Outbox:  # async: no thread hop per request
    messaging: Messaging = request.app.state.messaging
    return messaging.outbox


EventOutbox = Annotated[Outbox, Depends(_outbox)]


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


#: The service's clock (`ServiceDefinition.clock`, `utc_now` unless a test pinned it): code that
#: reads "now" takes it from here, so a test sets `app.state.clock = FixedClock(...)`.
AppClock = Annotated[Clock, Depends(_clock)]
