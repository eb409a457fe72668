from __future__ import annotations

from datetime import UTC, datetime

import pytest

from finance.main import definition
from servicekit.clock import FixedClock
from servicekit.definition import ServiceDefinition

#: What "now" is in finance's tests: every service, endpoint and consumer reads the app's clock,
#: so no result depends on the day the suite runs (10:00 in Shanghai on 2026-11-26).
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> FixedClock:
    """The pinned clock; set on the app (endpoints and the app's consumer read it) when the
    test uses one. A test moves it with `clock.advance(...)` / `clock.set(...)`."""
    fixed = FixedClock(NOW)
    if "app" in request.fixturenames:
        request.getfixturevalue("app").state.clock = fixed
    return fixed
