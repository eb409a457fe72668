"""The pytest plugin's rule: a missing PostgreSQL or broker skips locally and fails under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicekit.localbroker import free_port
from servicekit.testing.plugin import in_ci, test_postgres_url, unavailable

pytest_plugins = ["pytester"]

SAMPLE_MIGRATIONS = Path(__file__).resolve().parents[1] / "integration" / "sample_migrations"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("", False)])
def test_in_ci(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_unavailable_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not reachable"):
        unavailable("PostgreSQL")


def test_unavailable_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI=true"):
        unavailable("PostgreSQL")


def test_postgres_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_POSTGRES_URL", "postgresql://ci@db:5432/postgres")
    assert test_postgres_url() == "postgresql://ci@db:5432/postgres"


def test_missing_servers_fail_a_ci_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(
        """
        [pytest]
        asyncio_mode = auto
        asyncio_default_fixture_loop_scope = session
        asyncio_default_test_loop_scope = session
        """
    )
    pytester.makeconftest(
        f"""
        from pathlib import Path
        from typing import ClassVar

        import pytest

        from servicekit.db import new_metadata
        from servicekit.definition import ServiceDefinition
        from servicekit.messaging import MessagingTables
        from servicekit.settings import ServiceSettings


        class S(ServiceSettings):
            service_name: ClassVar[str] = "ciprobe"


        @pytest.fixture(scope="session")
        def service_definition():
            md = new_metadata()
            return ServiceDefinition(
                name="ciprobe", title="ci", settings_factory=S, metadata=md,
                messaging_tables=MessagingTables.define(md),
                migrations_dir=Path({str(SAMPLE_MIGRATIONS)!r}),
            )
        """
    )
    pytester.makepyfile(
        """
        def test_needs_a_database(database_url):
            assert database_url

        def test_needs_a_broker(kafka_bootstrap):
            assert kafka_bootstrap
        """
    )
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("TEST_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/x")
    monkeypatch.setenv("LOCAL_BROKER_BIN", str(pytester.path / "no-broker-here"))
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    # SQLite always works; PostgreSQL and the broker are errors, never skips.
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*PostgreSQL at postgresql://*required under CI=true*"])
    result.stdout.fnmatch_lines(["*local Kafka-protocol broker*required under CI=true*"])
