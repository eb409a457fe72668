"""`python -m <service>.worker`: the container healthcheck and the DLQ replay command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import servicekit.worker as worker
from servicekit.definition import ServiceDefinition
from servicekit.localbroker import free_port
from servicekit.messaging.deadletters import ReplayReport


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run_cli(definition: ServiceDefinition, *argv: str) -> int:
    try:
        worker.main(definition, list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


async def test_check_exits_0_when_database_and_broker_answer(
    service_definition: ServiceDefinition,
    database_url: str,
    kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SKSAMPLE_DATABASE_URL", database_url)
    monkeypatch.setenv("SKSAMPLE_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    assert await asyncio.to_thread(run_cli, service_definition, "--check") == 0

    monkeypatch.setenv("SKSAMPLE_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    assert await asyncio.to_thread(run_cli, service_definition, "--check") == 1


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of each replay the command starts (the replay itself is tested in
    test_consumer against the broker); each reports 2 replayed, 5 of other groups."""
    calls: list[dict[str, Any]] = []

    async def fake_replay(**kwargs: Any) -> ReplayReport:
        calls.append(kwargs)
        return ReplayReport(replayed=2, skipped_other_groups=5)

    monkeypatch.setattr(worker, "replay_dead_letters", fake_replay)
    return calls


async def test_replay_dlq_command_replays_the_service_groups_letters(
    service_definition: ServiceDefinition,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    replays: list[dict[str, Any]],
) -> None:
    monkeypatch.setenv("SKSAMPLE_KAFKA_BOOTSTRAP_SERVERS", "broker.test:9092")
    code = await asyncio.to_thread(
        run_cli,
        service_definition,
        "replay-dlq",
        "--topic",
        "orders.order",
        "--idle-timeout",
        "1.5",
    )
    assert code == 0
    assert replays == [
        {
            "bootstrap_servers": "broker.test:9092",
            "topic": "orders.order",
            "group_id": "sksample",  # the service's consumer group
            "idempotent": False,
            "idle_timeout": 1.5,
            # The replay joins its group with the service's own timings.
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 3_000,
        }
    ]
    assert "replayed 2 dead letter(s) of orders.order for sksample" in capsys.readouterr().out


async def test_replay_dlq_replays_the_configured_groups_letters(
    service_definition: ServiceDefinition,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    replays: list[dict[str, Any]],
) -> None:
    """A deployment with its own consumer group replays its own letters, not the default's."""
    monkeypatch.setenv("SKSAMPLE_KAFKA_CONSUMER_GROUP", "sksample-staging")
    code = await asyncio.to_thread(
        run_cli, service_definition, "replay-dlq", "--topic", "orders.order"
    )
    assert code == 0
    assert [c["group_id"] for c in replays] == ["sksample-staging"]
    assert "of orders.order for sksample-staging" in capsys.readouterr().out


def test_replay_dlq_requires_a_topic(
    service_definition: ServiceDefinition, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(service_definition, "replay-dlq") == 2
    assert "--topic" in capsys.readouterr().err
