"""Starting and stopping aiokafka clients without leaving background tasks behind."""

import pytest

from servicekit.messaging.kafka import started, stop_quietly


class FakeClient:
    def __init__(self, *, start_fails: bool = False, stop_fails: bool = False) -> None:
        self.start_fails, self.stop_fails = start_fails, stop_fails
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")
        if self.start_fails:
            raise ConnectionError("broker unreachable")

    async def stop(self) -> None:
        self.calls.append("stop")
        if self.stop_fails:
            raise RuntimeError("already broken")


async def test_started_returns_the_running_client() -> None:
    client = FakeClient()
    assert await started(client) is client
    assert client.calls == ["start"]


async def test_a_client_that_fails_to_start_is_stopped_and_the_error_raised() -> None:
    client = FakeClient(start_fails=True)
    with pytest.raises(ConnectionError):
        await started(client)
    assert client.calls == ["start", "stop"]


async def test_stop_quietly_swallows_a_failing_stop_and_accepts_none() -> None:
    client = FakeClient(stop_fails=True)
    await stop_quietly(client)
    await stop_quietly(None)
    assert client.calls == ["stop"]
