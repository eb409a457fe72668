"""A real platform in miniature for the gateway's tests: sso (with its demo data) and orders
behind a real gateway, each a uvicorn server on its own port and its own database (SQLite or
PostgreSQL, following the `database_url` parameter), events over the real broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from gateway.config import Settings as GatewaySettings
from gateway.main import definition
from gateway.testing import Browser
from orders.main import definition as orders_definition
from servicekit.app import create_app
from servicekit.cli import load_demo_data
from servicekit.db import create_engine, create_sessionmaker, unit_of_work
from servicekit.definition import ServiceDefinition
from servicekit.events import topic_for_event
from servicekit.messaging import Outbox
from servicekit.migrations import upgrade_to_head
from servicekit.settings import ServiceSettings
from servicekit.testing.plugin import ThrowawayPostgres, settings_under_test
from servicekit.testing.processes import free_port
from sso.actors import Actor
from sso.clients.schemas import ClientCreate, ClientType, GrantType
from sso.composition import Services
from sso.config import Settings as SsoSettings
from sso.demo import demo_org_id
from sso.main import definition as sso_definition

GATEWAY_TEST_CLIENT = "gateway-under-test"


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
def service_settings(
    service_settings: ServiceSettings, tmp_path_factory: pytest.TempPathFactory
) -> ServiceSettings:
    """The plain app fixtures run without a built console unless a test gives one."""
    return service_settings.model_copy(
        update={"console_dir": tmp_path_factory.mktemp("console") / "dist"}
    )


@asynccontextmanager
async def database_like(
    database_url: str, service: ServiceDefinition, folder: Path
) -> AsyncIterator[str]:
    """A migrated database for `service`, of the same kind as the gateway's."""
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{folder / service.name}.db"
        await asyncio.to_thread(upgrade_to_head, service.migrations_dir, url)
        yield url
        return
    db = ThrowawayPostgres(service.name)
    await db.create()
    try:
        await asyncio.to_thread(upgrade_to_head, service.migrations_dir, db.url)
        yield db.url
    finally:
        await db.drop()


@asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[uvicorn.Server]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


def _common(database_url: str, kafka: str, group: str) -> dict[str, Any]:
    # The relay polls faster than by default: the revocation test times the event path.
    # Each platform's services consume in groups of their own: the SQLite and the PostgreSQL
    # platform share the session's broker, and a member the first left behind (or offsets it
    # committed) must not hold up or skip the second's.
    return {
        **settings_under_test(database_url, kafka),
        "relay_poll_interval_seconds": 0.1,
        "kafka_consumer_group": group,
    }


@dataclass
class Platform:
    url: str
    sso_url: str
    orders_url: str
    gateway_app: FastAPI
    sso_settings: SsoSettings
    gateway_settings: GatewaySettings

    @asynccontextmanager
    async def replica(self, **update: Any) -> AsyncIterator[str]:
        """Another gateway on the same database (a second replica, or this one restarted)."""
        port = free_port()
        app = create_app(definition, self.gateway_settings.model_copy(update=update))
        async with serving(app, port):
            yield f"http://127.0.0.1:{port}"

    @staticmethod
    def order_body(customer_org_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
        return order_body(customer_org_id, **overrides)

    async def sso_services(self) -> AsyncIterator[Services]:
        engine = create_engine(self.sso_settings.database_url)
        try:
            outbox = Outbox(sso_definition.messaging_tables, topic_for_event)
            async for session in unit_of_work(create_sessionmaker(engine)):
                yield Services(session, outbox, self.sso_settings)
        finally:
            await engine.dispose()


async def _register_gateway_client(platform: Platform) -> str:
    """The demo's `platform-gateway` client is registered for port 8000; this gateway runs on
    another port, so it gets a client of its own (as an operator would register it)."""
    async for services in platform.sso_services():
        created = await services.clients.create(
            ClientCreate(
                client_id=GATEWAY_TEST_CLIENT,
                name="gateway under test",
                type=ClientType.confidential,
                institution_id=demo_org_id("technology-platform"),
                redirect_uris=[f"{platform.url}/bff/callback"],
                post_logout_redirect_uris=[f"{platform.url}/"],
                grant_types=[GrantType.authorization_code, GrantType.refresh_token],
            ),
            Actor.system("gateway-tests"),
        )
    assert created.client_secret
    return created.client_secret


@pytest.fixture(scope="session")
async def platform(
    database_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    folder = tmp_path_factory.mktemp("platform")
    tag = uuid.uuid4().hex[:8]
    gateway_port, sso_port, orders_port = free_port(), free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    jwks = f"{gateway_url}/.well-known/internal-jwks.json"
    async with AsyncExitStack() as stack:
        sso_db = await stack.enter_async_context(
            database_like(database_url, sso_definition, folder)
        )
        orders_db = await stack.enter_async_context(
            database_like(database_url, orders_definition, folder)
        )
        sso_settings = SsoSettings(
            **_common(sso_db, kafka_bootstrap, f"sso-{tag}"),
            issuer=f"{gateway_url}/auth",
            internal_jwks_url=jwks,
            argon2_memory_kib=1024,
            argon2_time_cost=1,
        )
        await load_demo_data(sso_definition, sso_settings)
        orders_settings = orders_definition.settings_factory().model_copy(
            update={
                **_common(orders_db, kafka_bootstrap, f"orders-{tag}"),
                "internal_jwks_url": jwks,
            }
        )
        dead = f"http://127.0.0.1:{free_port()}"
        gateway_settings = GatewaySettings(
            **_common(database_url, kafka_bootstrap, f"gateway-{tag}"),
            sso_url=f"http://127.0.0.1:{sso_port}",
            orders_url=f"http://127.0.0.1:{orders_port}",
            finance_url=dead,
            insurance_url=dead,
            risk_url=dead,
            valueadd_url=dead,
            public_url=gateway_url,
            oidc_issuer=f"{gateway_url}/auth",
            oidc_client_id=GATEWAY_TEST_CLIENT,
            # Long: the tests prove the event path, not the re-read after the TTL.
            access_ttl_seconds=600,
            entitlement_poll_seconds=0.5,
            upstream_timeout_seconds=2.0,
            console_dir=folder / "no-console",
        )
        platform = Platform(
            gateway_url,
            f"http://127.0.0.1:{sso_port}",
            f"http://127.0.0.1:{orders_port}",
            create_app(definition, gateway_settings),
            sso_settings,
            gateway_settings,
        )
        secret = await _register_gateway_client(platform)
        platform.gateway_settings = gateway_settings.model_copy(
            update={"oidc_client_secret": SecretStr(secret)}
        )
        platform.gateway_app = create_app(definition, platform.gateway_settings)
        await stack.enter_async_context(serving(create_app(sso_definition, sso_settings), sso_port))
        await stack.enter_async_context(
            serving(create_app(orders_definition, orders_settings), orders_port)
        )
        await stack.enter_async_context(serving(platform.gateway_app, gateway_port))
        await assigned(platform.gateway_app, "sso.entitlement")
        assert platform.gateway_app.state.messaging.consumer.group_id == f"gateway-{tag}"
        yield platform


async def assigned(app: FastAPI, topic: str, seconds: float = 60) -> None:
    """Wait until the app's consumer holds a partition of `topic` (group join and rebalance
    take seconds on the local broker): the tests then time what they mean to time."""
    consumer = app.state.messaging.consumer
    deadline = asyncio.get_running_loop().time() + seconds
    while not any(t == topic for t, _ in consumer.assignment()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the gateway's consumer got no partition of {topic}")
        await asyncio.sleep(0.1)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def order_body(customer_org_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "risk_assessment",
        "direction": "receivable",
        "customer_org_id": str(customer_org_id),
        "amount": "100.00",
        "source_service": "risk",
        "source_ref": f"assessment-{uuid.uuid4().hex[:12]}",
        "sign_date": "2026-11-20",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def browsers(platform: Platform) -> AsyncIterator[Callable[[], Browser]]:
    """New browser-style clients of the platform, closed after the test."""
    made: list[Browser] = []

    def new() -> Browser:
        made.append(Browser(platform.url))
        return made[-1]

    yield new
    for browser in made:
        await browser.close()
