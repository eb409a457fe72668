"""Transactional outbox and relay against a real broker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.clock import FixedClock
from servicekit.db import create_engine, create_sessionmaker, unit_of_work
from servicekit.events import parse_event
from servicekit.localbroker import free_port
from servicekit.messaging import Outbox, OutboxRelay

#: The purge tests' relays read this instant as "now" (FixedClock), not the wall clock.
NOW = datetime(2026, 10, 20, 4, tzinfo=UTC)


@asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert not relay.is_active


async def commit_events(
    sessionmaker: async_sessionmaker[AsyncSession], outbox: Outbox, events: Sequence[Any]
) -> None:
    async for session in unit_of_work(sessionmaker):
        await outbox.add(session, *events)


async def outbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], tables: Any, events: Sequence[Any]
) -> list[Any]:
    t = tables.outbox
    async with sessionmaker() as session:
        result = await session.execute(
            select(t).where(t.c.event_id.in_([e.event_id for e in events])).order_by(t.c.id)
        )
        return list(result.all())


def relay_errors(service: str) -> float:
    return REGISTRY.get_sample_value("outbox_relay_errors_total", {"service": service}) or 0.0


async def test_rolled_back_events_are_never_published(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    kafka: Any,
    parts: Any,
    make_event: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    topic = parts.new_topic("rollback")
    outbox = parts.outbox_to(topic)
    lost = make_event()
    with pytest.raises(RuntimeError):
        async for session in unit_of_work(sessionmaker):
            await outbox.add(session, lost)
            raise RuntimeError("the business change failed")
    sent = make_event()
    await commit_events(sessionmaker, outbox, [sent])
    assert await outbox_rows(sessionmaker, service_definition.messaging_tables, [lost]) == []

    relay = parts.relay_for(engine, kafka.bootstrap)
    async with running(relay):

        async def is_published() -> bool:
            rows = await outbox_rows(sessionmaker, service_definition.messaging_tables, [sent])
            return rows[0].published_at is not None

        await eventually(is_published)
    records = await kafka.read(topic, want=1, idle=0.3)
    assert [parse_event(r.value).event_id for r in records] == [sent.event_id]


async def test_committed_events_are_published_in_order_keyed_by_aggregate(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    kafka: Any,
    parts: Any,
    make_event: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    topic = parts.new_topic("order")
    outbox = parts.outbox_to(topic)
    a, b = uuid.uuid4(), uuid.uuid4()
    batches = [
        [make_event(a), make_event(b), make_event(a)],
        [make_event(b), make_event(a)],
        [make_event(a), make_event(b)],
    ]
    events = [e for batch in batches for e in batch]
    relay = parts.relay_for(engine, kafka.bootstrap)
    async with running(relay):
        for batch in batches:
            await commit_events(sessionmaker, outbox, batch)

        async def all_published() -> bool:
            rows = await outbox_rows(sessionmaker, service_definition.messaging_tables, events)
            return len(rows) == len(events) and all(r.published_at for r in rows)

        await eventually(all_published)
        assert relay.is_active

    rows = await outbox_rows(sessionmaker, service_definition.messaging_tables, events)
    assert [r.event_id for r in rows] == [e.event_id for e in events]  # id = commit order
    assert all(r.attempts == 0 and r.last_error is None for r in rows)
    assert all(r.message_key == e.aggregate_id for r, e in zip(rows, events, strict=True))

    records = await kafka.read(topic, want=len(events), idle=0.3)
    assert len(records) == len(events)  # each exactly once
    by_id = {e.event_id: e for e in events}
    for record in records:
        envelope = parse_event(record.value)
        assert envelope == by_id[envelope.event_id]
        assert record.key == envelope.aggregate_id.encode()
        assert dict(record.headers)["event_type"] == b"orders.order.created"
    for aggregate in (a, b):
        mine = [r for r in records if r.key == str(aggregate).encode()]
        assert len({r.partition for r in mine}) == 1  # one aggregate, one partition
        published = [parse_event(r.value).event_id for r in sorted(mine, key=lambda r: r.offset)]
        assert published == [e.event_id for e in events if e.aggregate_id == str(aggregate)]


async def test_broker_down_keeps_the_rows_until_a_relay_can_publish_them(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    database_url: str,
    kafka: Any,
    parts: Any,
    make_event: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    topic = parts.new_topic("outage")
    outbox = parts.outbox_to(topic)
    aggregate = uuid.uuid4()
    events = [make_event(aggregate) for _ in range(3)]
    service = f"outage-{uuid.uuid4().hex[:8]}"
    tables = service_definition.messaging_tables

    # The broker is unreachable: nothing is lost, the relay keeps retrying.
    down_engine = create_engine(database_url)
    down = parts.relay_for(down_engine, f"127.0.0.1:{free_port()}", service=service)
    try:
        async with running(down):
            await commit_events(sessionmaker, outbox, events)
            before = relay_errors(service)

            async def retried_twice() -> bool:
                return relay_errors(service) >= before + 2

            await eventually(retried_twice, timeout=10)
            rows = await outbox_rows(sessionmaker, tables, events)
            assert len(rows) == 3 and all(r.published_at is None for r in rows)
    finally:
        await down_engine.dispose()

    # The broker is back (another relay instance of the same service): all sent, in order.
    relay = parts.relay_for(engine, kafka.bootstrap, service=service)
    async with running(relay):

        async def all_published() -> bool:
            return all(r.published_at for r in await outbox_rows(sessionmaker, tables, events))

        await eventually(all_published, timeout=15)
    records = await kafka.read(topic, want=3, idle=0.3)
    assert [parse_event(r.value).event_id for r in records] == [e.event_id for e in events]


async def wait_active(relay: OutboxRelay, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not relay.is_active:
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_one_active_relay_per_service_on_postgresql(
    database_url: str,
    kafka: Any,
    parts: Any,
    make_event: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    """Three replicas of one service: the advisory lock lets one relay publish at a time; a
    standby takes over when the active one stops (cleanly, or cancelled mid-way)."""
    service = f"replicas-{uuid.uuid4().hex[:8]}"
    topic = parts.new_topic("replicas")
    outbox = parts.outbox_to(topic)
    tables = service_definition.messaging_tables
    engines = [create_engine(database_url) for _ in range(3)]  # one per "process"
    relays = [parts.relay_for(e, kafka.bootstrap, service=service) for e in engines]
    stops = [asyncio.Event() for _ in relays]
    tasks: list[asyncio.Task[None]] = []
    sessionmaker = create_sessionmaker(engines[0])

    async def publish_one() -> None:
        event = make_event()
        await commit_events(sessionmaker, outbox, [event])

        async def published() -> bool:
            return (await outbox_rows(sessionmaker, tables, [event]))[0].published_at is not None

        await eventually(published, timeout=10)

    try:
        tasks.append(asyncio.create_task(relays[0].run(stops[0])))
        await wait_active(relays[0])
        tasks += [asyncio.create_task(r.run(s)) for r, s in zip(relays[1:], stops[1:], strict=True)]
        await asyncio.sleep(0.5)  # both standbys have tried the lock by now
        assert [r.is_active for r in relays] == [True, False, False]
        await publish_one()
        assert [r.is_active for r in relays] == [True, False, False]

        # The active relay stops cleanly: one standby takes over (they retry every 2 s).
        stops[0].set()
        await asyncio.wait_for(tasks[0], 10)
        async with asyncio.timeout(6):
            while not any(r.is_active for r in relays[1:]):
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        assert sum(r.is_active for r in relays) == 1
        await publish_one()

        # The new active relay is cancelled (a worker killed after its grace period).
        second = next(i for i in (1, 2) if relays[i].is_active)
        third = 3 - second
        tasks[second].cancel()
        await asyncio.gather(tasks[second], return_exceptions=True)
        await wait_active(relays[third], timeout=6)
        await publish_one()
    finally:
        for stop in stops:
            stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 15)
        for relay in relays:
            await relay.close()
        for e in engines:
            await e.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_relay_on_sqlite_needs_no_lock(engine: AsyncEngine, kafka: Any, parts: Any) -> None:
    relay = parts.relay_for(engine, kafka.bootstrap)
    async with running(relay):
        await wait_active(relay, timeout=5)


async def test_a_batch_mixing_existing_and_new_topics_is_published_promptly(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    kafka: Any,
    parts: Any,
    make_event: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    """aiokafka narrows its metadata to the topics it was asked about; a topic it only knew from
    the bootstrap metadata then has "no leader" and its batch expires after request_timeout."""
    existing, new = parts.new_topic("known"), parts.new_topic("fresh")
    await kafka.produce(existing, b"created before the relay starts")
    old_event, new_event = make_event(), make_event()
    await commit_events(sessionmaker, parts.outbox_to(existing), [old_event])
    await commit_events(sessionmaker, parts.outbox_to(new), [new_event])
    events = [old_event, new_event]
    tables = service_definition.messaging_tables
    relay = parts.relay_for(engine, kafka.bootstrap)
    async with running(relay):

        async def all_published() -> bool:
            return all(r.published_at for r in await outbox_rows(sessionmaker, tables, events))

        await eventually(all_published, timeout=5)
    rows = await outbox_rows(sessionmaker, tables, events)
    assert [r.attempts for r in rows] == [0, 0]


async def test_purge_deletes_only_published_rows_past_the_retention(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    parts: Any,
    make_event: Any,
    service_definition: Any,
) -> None:
    tables = service_definition.messaging_tables
    outbox = parts.outbox_to(parts.new_topic("purge"))
    sent, pending = make_event(), make_event()
    await commit_events(sessionmaker, outbox, [sent, pending])
    async with sessionmaker() as session, session.begin():
        await session.execute(
            tables.outbox.update()
            .where(tables.outbox.c.event_id == sent.event_id)
            .values(published_at=NOW - timedelta(hours=2))
        )
    keep_a_day = OutboxRelay(
        engine=engine,
        sessionmaker=sessionmaker,
        tables=tables,
        service_name="purge",
        bootstrap_servers="unused:9092",
        idempotent=False,
        retention_hours=24,
        clock=FixedClock(NOW),
    )
    await keep_a_day.purge_published()
    assert len(await outbox_rows(sessionmaker, tables, [sent, pending])) == 2
    keep_an_hour = OutboxRelay(
        engine=engine,
        sessionmaker=sessionmaker,
        tables=tables,
        service_name="purge",
        bootstrap_servers="unused:9092",
        idempotent=False,
        retention_hours=1,
        clock=FixedClock(NOW),
    )
    assert await keep_an_hour.purge_published() >= 1
    rows = await outbox_rows(sessionmaker, tables, [sent, pending])
    assert [r.event_id for r in rows] == [pending.event_id]


async def test_an_idle_relay_purges_at_most_once_per_interval(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    make_event: Any,
    parts: Any,
    service_definition: Any,
) -> None:
    tables = service_definition.messaging_tables
    outbox = parts.outbox_to(parts.new_topic("purge-idle"))
    first, second = make_event(), make_event()
    long_ago = NOW - timedelta(hours=200)
    relay = OutboxRelay(
        engine=engine,
        sessionmaker=sessionmaker,
        tables=tables,
        service_name="purge-idle",
        bootstrap_servers="unused:9092",
        idempotent=False,
        retention_hours=72,
        clock=FixedClock(NOW),
    )
    for event in (first, second):
        await commit_events(sessionmaker, outbox, [event])
        async with sessionmaker() as session, session.begin():
            await session.execute(
                tables.outbox.update()
                .where(tables.outbox.c.event_id == event.event_id)
                .values(published_at=long_ago)
            )
        await relay._purge_when_due()
    # The first idle moment purged; the second came within the interval and did not.
    assert [r.event_id for r in await outbox_rows(sessionmaker, tables, [first, second])] == [
        second.event_id
    ]
