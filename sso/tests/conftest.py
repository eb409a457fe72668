"""Fixtures of the sso tests: the admin API as a platform operator or an institution admin,
direct access to the services (authenticate), the database and the broker.

(Fixtures, not a helper module: with --import-mode=importlib a test cannot import a sibling.)
Every test that touches the database runs on SQLite and PostgreSQL (servicekit's plugin).

Password hashing: the app under test uses argon2id with m=256 KiB, t=1 (allowed only with
environment=test, see sso.config) so the suite stays fast; test_passwords.py checks the real
OWASP parameters (m=19456 KiB, t=2, p=1) where they matter.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from sqlalchemy import func, select

from servicekit.db import unit_of_work
from servicekit.definition import ServiceDefinition
from servicekit.settings import ServiceSettings
from servicekit.testing.tokens import TestTokenIssuer
from sso.audit.models import AuditEvent
from sso.catalogue import admin_functions
from sso.composition import Services
from sso.config import Settings
from sso.main import definition

ALL_ADMIN = admin_functions.ALL
INSTITUTION_ADMIN = admin_functions.INSTITUTION_ADMIN


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
def service_settings(service_settings: ServiceSettings) -> ServiceSettings:
    """servicekit's settings with cheap argon2id (test-only) and the default lockout (5)."""
    return service_settings.model_copy(update={"argon2_memory_kib": 256, "argon2_time_cost": 1})


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}".upper()


class Admin:
    """The admin API as a platform operator (default) or as an institution's admin."""

    def __init__(self, client: httpx.AsyncClient, issuer: TestTokenIssuer) -> None:
        self.client = client
        self.issuer = issuer

    def headers(
        self,
        org: uuid.UUID | str | None = None,
        functions: Sequence[str] = ALL_ADMIN,
        *,
        operator: bool | None = None,
        subject: str = "operator-1",
    ) -> dict[str, str]:
        return self.issuer.headers(
            entry="sso",
            functions=functions,
            org_id=uuid.UUID(str(org)) if org else None,
            subject=subject,
            platform_operator=org is None if operator is None else operator,
        )

    def of(self, org: uuid.UUID | str, subject: str = "inst-admin") -> dict[str, str]:
        """An institution admin of `org` (not an operator), with the admin functions it can hold."""
        return self.headers(org, INSTITUTION_ADMIN, operator=False, subject=subject)

    async def call(
        self,
        method: str,
        path: str,
        *,
        as_: dict[str, str] | None = None,
        expect: int = 200,
        **kwargs: Any,
    ) -> Any:
        headers = {**(as_ or self.headers()), **kwargs.pop("headers", {})}
        response = await self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        if response.headers.get("content-type", "").startswith(
            ("application/json", "application/problem+json")
        ):
            return response.json()
        return response

    async def institution(
        self, type: str = "agency", parent: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"code": unique(type[:4]), "name": f"{type} 机构", "type": type, **fields}
        if parent is not None:
            body["parent_id"] = parent["id"]
        return dict(await self.call("POST", "/v1/admin/institutions", json=body, expect=201))

    async def role(
        self, institution: dict[str, Any], functions: Sequence[str], **fields: Any
    ) -> dict[str, Any]:
        body = {
            "institution_id": institution["id"],
            "code": unique("r").lower(),
            "name": "角色",
            "functions": list(functions),
            **fields,
        }
        return dict(await self.call("POST", "/v1/admin/roles", json=body, expect=201))

    async def user(
        self,
        institution: dict[str, Any],
        *,
        password: str | None = "Correct-Horse-9",
        roles: Sequence[dict[str, Any]] = (),
        **fields: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "username": unique("u").lower(),
            "display_name": "测试用户",
            "institution_id": institution["id"],
            "role_ids": [r["id"] for r in roles],
            **fields,
        }
        if password is not None:
            body["password"] = password
        return dict(await self.call("POST", "/v1/admin/users", json=body, expect=201))

    async def entitlement(self, institution: dict[str, Any]) -> dict[str, Any]:
        path = f"/v1/admin/institutions/{institution['id']}/entitlement"
        return dict(await self.call("GET", path))

    async def set_entitlement(
        self, institution: dict[str, Any], entries: list[dict[str, Any]], expect: int = 200
    ) -> Any:
        path = f"/v1/admin/institutions/{institution['id']}/entitlement"
        return await self.call("PUT", path, json={"entries": entries}, expect=expect)


@pytest.fixture
def admin(client: httpx.AsyncClient, token_issuer: TestTokenIssuer) -> Admin:
    return Admin(client, token_issuer)


class Db:
    """The app's services and tables directly: for authenticate (no endpoint until part 2)
    and for checking what was (not) written."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.sessionmaker = app.state.sessionmaker

    @asynccontextmanager
    async def services(self, settings: Settings | None = None) -> AsyncIterator[Services]:
        """One committed unit of work, like a request's."""
        async for session in unit_of_work(self.sessionmaker):
            yield Services(
                session, self.app.state.messaging.outbox, settings or self.app.state.settings
            )

    async def scalar(self, query: Any) -> Any:
        async with self.sessionmaker() as session:
            return (await session.execute(query)).scalar()

    async def count(self, model: Any, *where: Any) -> int:
        return int(await self.scalar(select(func.count()).select_from(model).where(*where)))

    async def audit(self, action: str, target_id: str) -> list[AuditEvent]:
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.target_id == target_id)
                .order_by(AuditEvent.occurred_at)
            )
            return list(rows.scalars())

    async def outbox_events(self, key: str) -> list[dict[str, Any]]:
        from sqlalchemy import text

        async with self.sessionmaker() as session:
            rows = await session.execute(
                text("SELECT body FROM outbox_messages WHERE message_key = :key ORDER BY id"),
                {"key": key},
            )
            return [json.loads(body) for (body,) in rows]


@pytest.fixture
def db(app: FastAPI) -> Db:
    return Db(app)


@pytest.fixture
def read_topic(
    kafka_bootstrap: str,
) -> Callable[..., Awaitable[list[tuple[str | None, dict[str, Any]]]]]:
    """(key, event) of the events on a topic matching `keep`, read from the beginning without a
    consumer group, until `want` of them arrived."""

    async def read(
        topic: str, keep: Callable[[dict[str, Any]], bool], want: int, timeout: float = 20.0
    ) -> list[tuple[str | None, dict[str, Any]]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
        await consumer.start()
        found: list[tuple[str | None, dict[str, Any]]] = []
        try:
            async with asyncio.timeout(timeout):
                partitions: set[int] | None = None
                while not partitions:
                    await consumer.topics()
                    partitions = consumer.partitions_for_topic(topic)
                    if not partitions:
                        await asyncio.sleep(0.1)
                tps = [TopicPartition(topic, p) for p in sorted(partitions)]
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                while len(found) < want:
                    batch = await consumer.getmany(timeout_ms=300)
                    for records in batch.values():
                        found += [
                            (r.key.decode() if r.key else None, e)
                            for r in records
                            if keep(e := json.loads(r.value))
                        ]
        finally:
            await consumer.stop()
        return found

    return read
