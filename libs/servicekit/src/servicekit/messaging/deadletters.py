"""Replaying dead letters after the cause was fixed.

Each consumer group replays only the letters it dead-lettered, back onto the original topic,
with its own progress (consumer group `dlq-replay.<group>`), so every letter is replayed once.
Other groups see the replayed event too; their inbox already holds it and drops it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import TopicPartition

from servicekit.messaging.consumer import DLQ_SUFFIX
from servicekit.messaging.kafka import new_consumer, new_producer, started


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped_other_groups: int = 0


async def replay_dead_letters(
    *,
    bootstrap_servers: str,
    topic: str,
    group_id: str,
    idempotent: bool = False,
    idle_timeout: float = 3.0,
    session_timeout_ms: int = 10_000,
    heartbeat_interval_ms: int = 3_000,
) -> ReplayReport:
    """Republish `<topic>.dlq` letters of `group_id` onto `topic`; stops when the DLQ is drained."""
    report = ReplayReport()
    consumer = new_consumer(
        bootstrap_servers,
        topic + DLQ_SUFFIX,
        group_id=f"dlq-replay.{group_id}",
        client_id=f"dlq-replay.{group_id}",
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
    )
    producer = new_producer(
        bootstrap_servers, client_id=f"dlq-replay.{group_id}", idempotent=idempotent
    )
    await started(consumer)
    try:
        await started(producer)
    except BaseException:
        # Otherwise a producer that cannot start would leave the consumer in its group.
        await consumer.stop()
        raise
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + idle_timeout
        while loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=300, max_records=200)
            if not batches:
                continue
            deadline = loop.time() + idle_timeout
            for tp, records in batches.items():
                for record in records:
                    headers = dict(record.headers or ())
                    if headers.get("dlq.consumer.group", b"").decode() != group_id:
                        report.skipped_other_groups += 1
                        continue
                    kept = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
                    kept.append(("dlq.replayed_at", datetime.now(UTC).isoformat().encode()))
                    await (
                        await producer.send(topic, value=record.value, key=record.key, headers=kept)
                    )
                    report.replayed += 1
                await consumer.commit(
                    {TopicPartition(tp.topic, tp.partition): records[-1].offset + 1}
                )
    finally:
        await producer.stop()
        await consumer.stop()
    return report
