"""Fixtures of risk's tests: a pinned clock, a scorecard family of each test's own (the
database lives for the session), and callers of two institutions and the platform."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from risk.main import definition
from risk.scorecards.standard import STANDARD_V1
from servicekit.clock import FixedClock
from servicekit.definition import ServiceDefinition
from servicekit.settings import ServiceSettings
from servicekit.testing.plugin import settings_under_test
from servicekit.testing.tokens import TestTokenIssuer

ALL_FUNCTIONS = (
    "risk.form.query", "risk.form.collect", "risk.assessment.query", "risk.assessment.run",
    "risk.assessment.override", "risk.export.query", "risk.export.create",
    "risk.reconciliation.query", "risk.reconciliation.manage", "risk.scorecard.query",
    "risk.scorecard.edit", "risk.scorecard.publish",
)  # fmt: skip
#: 2026-10-15 16:00 Beijing time.
PINNED = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
VINS = ("LSVAM4187C2184847", "LFV2A21K5A4000001", "LGBH52E05HY000123")

Headers = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
def service_settings(
    service_definition: ServiceDefinition, database_url: str, kafka_bootstrap: str, tmp_path: Path
) -> ServiceSettings:
    base = service_definition.settings_factory()
    return base.model_copy(
        update={
            **settings_under_test(database_url, kafka_bootstrap),
            "scorecard_code": "T" + uuid.uuid4().hex[:12].upper(),
            "export_dir": tmp_path / "exports",
        }
    )


@pytest.fixture
def clock(app: FastAPI) -> FixedClock:
    pinned = FixedClock(PINNED)
    app.state.clock = pinned
    return pinned


@pytest.fixture
def org_a() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def org_b() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def headers(token_issuer: TestTokenIssuer) -> Headers:
    def make(
        org: uuid.UUID | None = None,
        *,
        subject: str = "clerk-1",
        operator: bool = False,
        functions: tuple[str, ...] = ALL_FUNCTIONS,
    ) -> dict[str, str]:
        return token_issuer.headers(
            entry="risk",
            functions=functions,
            subject=subject,
            org_id=org,
            org_type="technology" if operator else "insurtech_service",
            platform_operator=operator,
        )

    return make


@pytest.fixture
def operator(headers: Headers) -> dict[str, str]:
    return headers(None, subject="ops-1", operator=True)


def request_body(
    vin: str = VINS[0], *, reference: str | None = None, **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": reference or f"ref-{uuid.uuid4().hex[:10]}",
        "applicant_org_name": "云鹰保险技术服务有限公司",
        "insurer": {"code": "PICC", "name": "中国人保财险"},
        "vehicle": {
            "vin": vin,
            "plate_no": "浙A12345",
            "register_date": "2024-03-01",
            "use_nature": "private",
            "region_code": "330100",
        },
        "inspection": {
            "form_version": "v2",
            "document": {
                "operator": "王验车",
                "inspected_at": "2026-10-14T10:00:00+08:00",
                "place": "杭州市西湖区验车点",
                "mileage_km": 32000,
                "damage_items": [],
                "photos": [{"ref": f"oss://inspections/{i}.jpg"} for i in range(4)],
            },
        },
        "payees": [
            {"subject": "promoter-1", "name": "张三", "share": "60.00"},
            {"subject": "promoter-2", "name": "李四", "share": "40.00"},
        ],
    }
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[p]
        target[leaf] = value
    return body


async def publish_card(
    client: httpx.AsyncClient,
    operator: dict[str, str],
    code: str,
    definition: dict[str, Any] = STANDARD_V1,
    effective_from: str = "2026-10-15",
    org_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    made = await client.post(
        "/v1/scorecards",
        json={"code": code, "name": "车辆评分卡", "effective_from": effective_from,
              "definition": definition},
        headers=operator,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    card = made.json()
    params = {"org_id": str(org_id)} if org_id else {}
    compared = await client.post(
        f"/v1/scorecards/{card['id']}/what-if", params=params, headers=operator
    )
    assert compared.status_code == 200, compared.text
    published = await client.post(f"/v1/scorecards/{card['id']}/publish", headers=operator)
    assert published.status_code == 200, published.text
    return dict(published.json())


@pytest.fixture
def card_code(app: FastAPI) -> str:
    return str(app.state.settings.scorecard_code)


Body = Callable[..., dict[str, Any]]


@pytest.fixture
def body() -> Body:
    """request_body(vin, reference=…, vehicle__plate_no=…): a valid request body, changed."""
    return request_body


@pytest.fixture
def vins() -> tuple[str, ...]:
    return VINS


@pytest.fixture
def publish(
    client: httpx.AsyncClient, operator: dict[str, str], card_code: str
) -> Callable[..., Any]:
    async def run(definition: dict[str, Any] = STANDARD_V1, **kwargs: Any) -> dict[str, Any]:
        return await publish_card(client, operator, card_code, definition, **kwargs)

    return run
