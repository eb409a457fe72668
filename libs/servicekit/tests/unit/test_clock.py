"""The service's clock: one per app (ServiceDefinition.clock, create_app(clock=...)), read
through the AppClock dependency, so a test pins "now" for every endpoint at once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from servicekit.app import AppClock, create_app
from servicekit.clock import FixedClock, utc_now
from servicekit.db import new_metadata
from servicekit.definition import ServiceDefinition
from servicekit.messaging import MessagingTables
from servicekit.settings import ServiceSettings


class BareSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SKCLOCK_", extra="ignore")
    service_name: ClassVar[str] = "skclock"


def bare_definition(router: APIRouter) -> ServiceDefinition:
    metadata = new_metadata()
    return ServiceDefinition(
        name="skclock",
        title="clock",
        settings_factory=BareSettings,
        metadata=metadata,
        messaging_tables=MessagingTables.define(metadata),
        migrations_dir=Path("/nonexistent"),
        routers=[router],
    )


AT = datetime(2026, 10, 20, 4, tzinfo=UTC)

router = APIRouter()


@router.get("/now")
async def now(clock: AppClock) -> dict[str, str]:
    return {"now": clock().isoformat()}


async def _now(app: FastAPI) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return str((await client.get("/now")).json()["now"])


async def test_a_pinned_clock_is_what_endpoints_read() -> None:
    clock = FixedClock(AT)
    app = create_app(bare_definition(router), BareSettings(log_json=False), clock=clock)
    assert await _now(app) == "2026-10-20T04:00:00+00:00"
    clock.advance(days=45)
    assert await _now(app) == "2026-12-04T04:00:00+00:00"
    # A test may also swap it on a running app.
    app.state.clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))
    assert await _now(app) == "2027-01-01T00:00:00+00:00"


def test_the_default_is_the_wall_clock_or_the_definitions() -> None:
    definition = bare_definition(router)
    assert definition.clock is utc_now
    assert create_app(definition, BareSettings(log_json=False)).state.clock is utc_now
    pinned = dataclasses.replace(definition, clock=FixedClock(AT))
    assert create_app(pinned, BareSettings(log_json=False)).state.clock() == AT


def test_a_fixed_clock_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 10, 20))
