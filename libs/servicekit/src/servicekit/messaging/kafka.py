"""aiokafka clients configured the same way everywhere."""

from __future__ import annotations

import asyncio
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.client import AIOKafkaClient


def new_producer(bootstrap_servers: str, *, client_id: str, idempotent: bool) -> AIOKafkaProducer:
    # acks=all: a message counts as sent only once every in-sync replica has it.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=idempotent,
        linger_ms=5,
        max_batch_size=512 * 1024,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


def new_consumer(
    bootstrap_servers: str,
    *topics: str,
    group_id: str,
    client_id: str,
    session_timeout_ms: int = 10_000,
    heartbeat_interval_ms: int = 3_000,
) -> AIOKafkaConsumer:
    # Offsets are committed by hand, after the database commit of the handled batch.
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        metadata_max_age_ms=5_000,
        retry_backoff_ms=200,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
    )


class _Client(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


C = TypeVar("C", bound=_Client)


async def started(client: C) -> C:
    """Start an aiokafka client; if starting fails, stop it so no background task is left."""
    try:
        await client.start()
    except BaseException:
        await client.stop()
        raise
    return client


async def stop_quietly(client: _Client | None) -> None:
    """Stop a client that may already be broken (its stop can itself fail)."""
    if client is None:
        return
    try:
        await client.stop()
    except Exception:
        pass


async def broker_reachable(bootstrap_servers: str, timeout: float = 2.0) -> bool:
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=2_000)
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return True
    except Exception:
        return False
    finally:
        await client.close()
