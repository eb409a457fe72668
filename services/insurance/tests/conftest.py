"""Fixtures of the insurance tests: the API as an institution's clerk, a pinned clock.

(Fixtures, not a helper module: with --import-mode=importlib a test cannot import a sibling.)
Every test that touches the database runs on SQLite and PostgreSQL (servicekit's plugin).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from insurance.main import definition
from servicekit.clock import FixedClock
from servicekit.definition import ServiceDefinition
from servicekit.settings import ServiceSettings
from servicekit.testing.plugin import settings_under_test
from servicekit.testing.tokens import TestTokenIssuer

#: Every insurance function except the one that unmasks contact data.
FUNCTIONS = (
    "insurance.vehicle.query", "insurance.vehicle.manage", "insurance.vehicle.import",
    "insurance.policy.query", "insurance.policy.import", "insurance.proposal.query",
    "insurance.proposal.quote", "insurance.proposal.issue", "insurance.unconverted.query",
    "insurance.push_rule.query", "insurance.push_rule.manage", "insurance.push_task.query",
    "insurance.push_task.run", "insurance.push_record.query", "insurance.pushed_vehicle.query",
    "insurance.deal.query", "insurance.deal.reconcile",
)  # fmt: skip
#: 2026-11-02 10:00 Beijing time: every test's "now".
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
def clock(app: FastAPI) -> FixedClock:
    fixed = FixedClock(NOW)
    app.state.clock = fixed
    return fixed


class Api:
    """The insurance API as a clerk of an institution (`org_a` unless told otherwise).

    The database lives for the whole run, so each test gets institutions of its own: what a
    test counts is its own data."""

    def __init__(self, client: httpx.AsyncClient, issuer: TestTokenIssuer) -> None:
        self.client = client
        self.issuer = issuer
        self.org_a, self.org_b = uuid.uuid4(), uuid.uuid4()
        self.functions = FUNCTIONS

    def headers(
        self,
        org: uuid.UUID | None = None,
        functions: Sequence[str] = FUNCTIONS,
        *,
        operator: bool = False,
        subject: str | None = None,
    ) -> dict[str, str]:
        org = org or self.org_a
        return self.issuer.headers(
            entry="insurance",
            functions=functions,
            org_id=org,
            subject=subject or ("clerk-a" if org == self.org_a else "clerk-b"),
            platform_operator=operator,
        )

    async def call(
        self, method: str, path: str, org: uuid.UUID | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = kwargs.pop("headers", None) or self.headers(org)
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, org: uuid.UUID | None = None, **kwargs: Any) -> Any:
        response = await self.call(method, path, org, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    @staticmethod
    def vehicle(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "source": "wechat_oa",
            "vin": "LSVAU2180N2183294",
            "plate_no": "粤B12345",
            "region_code": "440300",
            "commercial_expiry": "2026-12-20",
            "compulsory_expiry": "2027-01-10",
            "owner": {"name": "张伟", "id_number": "11010519491231002X", "mobile": "13812345678"},
        }
        body.update(overrides)
        return body

    async def collect(self, org: uuid.UUID | None = None, **overrides: Any) -> dict[str, Any]:
        return dict(await self.ok("POST", "/v1/vehicles", org, json=self.vehicle(**overrides)))

    async def proposal(self, org: uuid.UUID | None = None, **overrides: Any) -> dict[str, Any]:
        """A car proposal (商业险 + 交强险, each its own period) for a fresh vehicle."""
        vehicle = await self.collect(org, **overrides.pop("vehicle", {}))
        body = {
            "vehicle_id": vehicle["vehicle"]["id"],
            "insurer_code": "PICC",
            "lines": [
                {"line": "car_commercial", "starts_on": "2026-12-21", "ends_on": "2027-12-20"},
                {"line": "car_compulsory", "starts_on": "2027-01-11", "ends_on": "2028-01-10"},
            ],
            **overrides,
        }
        return dict(await self.ok("POST", "/v1/proposals", org, json=body))

    QUOTE: ClassVar[dict[str, Any]] = {
        "lines": [
            {"line": "car_commercial", "items": [
                {"cover_code": "VEH_DAMAGE", "cover_name": "机动车损失保险",
                 "sum_insured": "150000.00", "premium": "2310.50"},
                {"cover_code": "THIRD_PARTY", "sum_insured": "2000000", "premium": "1020.35"},
            ]},
            {"line": "car_compulsory", "items": [
                {"cover_code": "CTPL", "sum_insured": "200000", "premium": "950.00"},
            ]},
        ]
    }  # fmt: skip

    async def issued(self, org: uuid.UUID | None = None, **overrides: Any) -> dict[str, Any]:
        proposal = await self.proposal(org, **overrides)
        path = f"/v1/proposals/{proposal['id']}"
        await self.ok("POST", f"{path}/quote", org, json=self.QUOTE)
        await self.ok("POST", f"{path}/submit", org, json={})
        return dict(await self.ok("POST", f"{path}/issue", org, json={"sign_date": "2026-11-01"}))


@pytest.fixture
def api(client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock) -> Api:
    return Api(client, token_issuer)


def problem_fields(response: httpx.Response) -> dict[str, str]:
    """field → code of a 4xx problem's errors."""
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}


@pytest.fixture
def fields() -> Any:
    return problem_fields


@pytest.fixture
def read_topic(kafka_bootstrap: str) -> Any:
    """The events on a topic matching `keep`, read from the beginning without a consumer group,
    until `want` of them arrived."""

    async def read(topic: str, keep: Any, want: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=kafka_bootstrap, group_id=None,
            auto_offset_reset="earliest", metadata_max_age_ms=300,
        )  # fmt: skip
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(timeout):
                while len(found) < want:
                    batch = await consumer.getmany(timeout_ms=300)
                    for records in batch.values():
                        found += [e for r in records if keep(e := json.loads(r.value))]
        finally:
            await consumer.stop()
        return found

    return read


@pytest.fixture
def service_settings(
    service_definition: ServiceDefinition, database_url: str, kafka_bootstrap: str
) -> ServiceSettings:
    """servicekit's settings under test, without the daily push scheduler (tests run pushes
    themselves, at the pinned clock's day)."""
    base = service_definition.settings_factory()
    return base.model_copy(
        update={**settings_under_test(database_url, kafka_bootstrap), "push_hour": -1}
    )
