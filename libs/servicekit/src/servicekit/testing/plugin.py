"""pytest plugin (auto-loaded through the `pytest11` entry point).

Fixtures:
- `database_url` — parametrised over SQLite and PostgreSQL; one throwaway database per test run
  and backend, migrated to head with the service's migrations. PostgreSQL comes from
  `TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/postgres).
- `kafka_bootstrap` — `KAFKA_BOOTSTRAP_SERVERS` if set, else the bundled local broker on a free port.
- `token_issuer` — signs internal JWTs the app under test trusts.
- `service_settings`, `app` (lifespan running: relay and consumer inline), `client` (httpx).
A service's conftest provides `service_definition`. Under CI=true a missing PostgreSQL or
broker fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from servicekit.app import create_app
from servicekit.auth import InternalTokenVerifier, JWKSCache
from servicekit.definition import ServiceDefinition
from servicekit.migrations import upgrade_to_head
from servicekit.settings import Environment, ServiceSettings
from servicekit.testing.tokens import TestTokenIssuer

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, *, module: bool = False) -> None:
    """A missing server fails under CI (never a silent skip) and skips on a laptop
    (`module=True`: the whole test module, called at import)."""
    if in_ci():
        pytest.fail(f"{what} is required under CI=true but is not reachable", pytrace=False)
    pytest.skip(f"{what} is not reachable", allow_module_level=module)


def test_postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)


test_postgres_url.__test__ = False  # type: ignore[attr-defined]


async def _pg_admin_execute(sql: str) -> None:
    import asyncpg

    url = make_url(test_postgres_url())
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class ThrowawayPostgres:
    """CREATE DATABASE for a test run; DROP ... WITH (FORCE) afterwards."""

    def __init__(self, label: str) -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"t_{label}_{worker}_{uuid.uuid4().hex[:8]}".lower()
        self.url = (
            make_url(test_postgres_url())
            .set(database=self.name)
            .render_as_string(hide_password=False)
        )

    async def create(self) -> None:
        await _pg_admin_execute(f'CREATE DATABASE "{self.name}"')

    async def drop(self) -> None:
        await _pg_admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest,
    service_definition: ServiceDefinition,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / f"{service_definition.name}.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade_to_head, service_definition.migrations_dir, url)
        yield url
        return
    db = ThrowawayPostgres(service_definition.name)
    try:
        await db.create()
    except Exception as exc:  # refused connection, bad credentials …
        unavailable(f"PostgreSQL at {test_postgres_url()} ({exc!r})")
    try:
        await asyncio.to_thread(upgrade_to_head, service_definition.migrations_dir, db.url)
        yield db.url
    finally:
        await db.drop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        yield configured
        return
    from servicekit.localbroker import LocalBroker

    broker = LocalBroker()
    try:
        broker.start()
    except Exception as exc:
        unavailable(f"the local Kafka-protocol broker ({exc!r})")
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def token_issuer() -> TestTokenIssuer:
    return TestTokenIssuer()


def settings_under_test(database_url: str, kafka_bootstrap: str) -> dict[str, Any]:
    """Settings every in-process service runs with under test: its database, the broker, the
    relay and consumer inline, and the short group timings the local broker needs."""
    return {
        "environment": Environment.test,
        "database_url": database_url,
        "kafka_bootstrap_servers": kafka_bootstrap,
        "kafka_enable_idempotence": False,
        "run_workers_inline": True,
        "log_json": False,
        "consumer_session_timeout_ms": 2_000,
        "consumer_heartbeat_interval_ms": 300,
        "consumer_retry_backoff_seconds": 0.05,
    }


@pytest.fixture
def service_settings(
    service_definition: ServiceDefinition, database_url: str, kafka_bootstrap: str
) -> ServiceSettings:
    base = service_definition.settings_factory()
    return base.model_copy(update=settings_under_test(database_url, kafka_bootstrap))


@pytest.fixture
async def app(
    service_definition: ServiceDefinition,
    service_settings: ServiceSettings,
    token_issuer: TestTokenIssuer,
) -> AsyncIterator[FastAPI]:
    verifier = InternalTokenVerifier(
        JWKSCache(token_issuer.jwks), audience=service_settings.service_name
    )
    application = create_app(service_definition, service_settings, token_verifier=verifier)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def pytest_report_header(config: Any) -> list[str]:
    return [
        f"servicekit: postgres={test_postgres_url()} "
        f"kafka={os.environ.get('KAFKA_BOOTSTRAP_SERVERS', 'local broker')} ci={in_ci()}"
    ]
