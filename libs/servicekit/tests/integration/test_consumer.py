"""Inbox consumer against a real broker, on SQLite and PostgreSQL.

Every test uses its own topic and consumer group. Records are fetched without a consumer
group and fed to `EventConsumer.handle_records` (what `run()` does per partition), except
where the group and its committed offsets are the point.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.db import unit_of_work
from servicekit.events import parse_event
from servicekit.messaging import HandlerContext, Messaging, Subscriptions
from servicekit.messaging.consumer import DLQ_SUFFIX
from servicekit.messaging.deadletters import replay_dead_letters
from shared_schemas import EntitlementChangedV1, new_event

EVENT_TYPE = "orders.order.created"


class Recorder:
    """A handler: writes a note `<group>:<event id>` and publishes a follow-up event."""

    def __init__(self, group: str, followups: Any) -> None:
        self.group = group
        self.calls: list[uuid.UUID] = []
        self.failing: set[uuid.UUID] = set()
        self.entered = asyncio.Event()
        self.gate: asyncio.Event | None = None
        self.in_batch: list[bool] = []
        self.followups = followups

    async def __call__(self, event: Any, ctx: HandlerContext) -> None:
        self.calls.append(event.event_id)
        self.in_batch.append(ctx.in_batch)
        await ctx.session.execute(
            self.notes.insert().values(id=uuid.uuid4(), text=f"{self.group}:{event.event_id}")
        )
        if self.followups is not None:
            await ctx.publish(self.followups(event))
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if event.event_id in self.failing:
            raise RuntimeError(f"handler bug for {event.event_id}")

    notes: ClassVar[Table]


@pytest.fixture
async def recorder_factory(
    notes_table: Table,
    make_event: Any,
    sessionmaker: async_sessionmaker[AsyncSession],
    service_definition: Any,
) -> AsyncIterator[Any]:
    Recorder.notes = notes_table

    def followup(event: Any) -> Any:
        return make_event(uuid.UUID(event.aggregate_id), source_ref=f"followup-of-{event.event_id}")

    def make(group: str) -> Recorder:
        return Recorder(group, followup)

    yield make
    # No relay runs here: mark the follow-ups as sent, so that the relays of later tests do
    # not have to publish this backlog (to topics that nobody created).
    outbox = service_definition.messaging_tables.outbox
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(outbox)
            .where(outbox.c.published_at.is_(None), outbox.c.topic.startswith("followups."))
            .values(published_at=datetime(2026, 10, 20, 4, tzinfo=UTC))
        )


@pytest.fixture
async def consumer_with(
    sessionmaker: async_sessionmaker[AsyncSession], kafka: Any, parts: Any, recorder_factory: Any
) -> AsyncIterator[Any]:
    """A consumer of `topic` in a fresh group, with a Recorder handling orders.order.created."""
    built: list[Any] = []

    def build(topic: str, *, max_attempts: int = 3) -> tuple[Any, Recorder]:
        group = f"g-{uuid.uuid4().hex[:10]}"
        handler = recorder_factory(group)
        subs = Subscriptions().on(topic, EVENT_TYPE, handler)
        consumer = parts.consumer_for(
            sessionmaker, subs, kafka.bootstrap, group_id=group, max_attempts=max_attempts
        )
        built.append(consumer)
        return consumer, handler

    yield build
    for consumer in built:  # handle_records alone leaves the DLQ producer open
        await consumer._drop_clients()


async def notes_for(
    sessionmaker: async_sessionmaker[AsyncSession], notes: Table, group: str, event: Any
) -> int:
    async with sessionmaker() as session:
        query = select(func.count()).select_from(notes)
        query = query.where(notes.c.text == f"{group}:{event.event_id}")
        return int((await session.execute(query)).scalar_one())


async def inbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], tables: Any, group: str, event: Any
) -> list[Any]:
    inbox = tables.inbox
    async with sessionmaker() as session:
        query = select(inbox).where(
            inbox.c.consumer_group == group, inbox.c.event_id == event.event_id
        )
        return list((await session.execute(query)).all())


async def followups_of(
    sessionmaker: async_sessionmaker[AsyncSession], tables: Any, event: Any
) -> int:
    outbox = tables.outbox
    async with sessionmaker() as session:
        query = select(func.count()).select_from(outbox)
        query = query.where(outbox.c.body.contains(f"followup-of-{event.event_id}"))
        return int((await session.execute(query)).scalar_one())


async def committed_offset(bootstrap: str, group: str, topic: str, partition: int) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await asyncio.wait_for(consumer.start(), 10)
    try:
        return await consumer.committed(TopicPartition(topic, partition))
    finally:
        await consumer.stop()


def body(event: Any) -> bytes:
    return event.model_dump_json().encode()


def test_subscriptions_route_by_topic_and_event_type() -> None:
    async def h1(event: Any, ctx: HandlerContext) -> None: ...
    async def h2(event: Any, ctx: HandlerContext) -> None: ...

    subs = Subscriptions().on("b.topic", "b.topic.x", h1).on("a.topic", "a.topic.y", h2)
    assert subs.topics == ["a.topic", "b.topic"]
    assert subs.handler_for("b.topic", "b.topic.x") is h1
    assert subs.handler_for("b.topic", "a.topic.y") is None
    assert subs.handler_for("c.topic", "b.topic.x") is None


async def test_same_event_delivered_twice_is_handled_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("dupes")
    event = make_event()
    positions = await kafka.produce(topic, body(event), body(event), body(event), key=b"k")
    first, second, third = await kafka.fetch(positions)
    tables = service_definition.messaging_tables

    consumer, handler = consumer_with(topic)

    await consumer.handle_records([first, second])  # twice in one batch
    await consumer.handle_records([third])  # and again later (e.g. after a rebalance)
    assert handler.calls == [event.event_id]
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, event) == 1
    assert await followups_of(sessionmaker, tables, event) == 1
    [row] = await inbox_rows(sessionmaker, tables, consumer.group_id, event)
    assert (row.topic, row.partition, row.offset) == (topic, first.partition, first.offset)
    assert row.event_type == EVENT_TYPE

    # The inbox is per consumer group: another group handles the same event once, too.
    other, other_handler = consumer_with(topic)
    await other.handle_records([second, third])
    assert other_handler.calls == [event.event_id]
    assert await notes_for(sessionmaker, notes_table, other.group_id, event) == 1


async def test_a_consumer_given_an_event_still_being_handled_waits_and_skips_it(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    consumer_with: Any,
    service_definition: Any,
) -> None:
    """A rebalance hands a partition to another consumer of the group while the first still
    handles its batch: the second's claim on the inbox waits for the first's commit, then
    finds the event handled — the handler is not run twice and nothing fails."""
    topic = parts.new_topic("handover")
    event = make_event()
    [record] = await kafka.fetch(await kafka.produce(topic, body(event), key=b"k"))
    first, handler = consumer_with(topic)
    subscriptions = Subscriptions().on(topic, EVENT_TYPE, handler)
    second = parts.consumer_for(
        sessionmaker, subscriptions, kafka.bootstrap, group_id=first.group_id
    )
    handler.gate = asyncio.Event()

    handling = asyncio.create_task(first.handle_records([record]))
    await asyncio.wait_for(handler.entered.wait(), 10)
    handed_over = asyncio.create_task(second.handle_records([record]))
    await asyncio.sleep(0.3)
    assert not handed_over.done()  # waiting for the first's inbox row
    handler.gate.set()
    await asyncio.wait_for(asyncio.gather(handling, handed_over), 10)

    assert handler.calls == [event.event_id]
    assert await notes_for(sessionmaker, notes_table, first.group_id, event) == 1
    assert len(await inbox_rows(sessionmaker, service_definition.messaging_tables,
                                first.group_id, event)) == 1  # fmt: skip
    assert second._dlq_producer is None  # nothing was dead-lettered


async def test_offsets_are_committed_only_after_the_database_commit(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    topic = parts.new_topic("offsets")
    event = make_event()
    [(_, partition, offset)] = await kafka.produce(topic, body(event), key=b"k")
    group = f"g-{uuid.uuid4().hex[:10]}"
    handler = recorder_factory(group)
    handler.gate = asyncio.Event()
    subs = Subscriptions().on(topic, EVENT_TYPE, handler)
    consumer = parts.consumer_for(sessionmaker, subs, kafka.bootstrap, group_id=group)
    tables = service_definition.messaging_tables

    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await asyncio.wait_for(handler.entered.wait(), 20)
        # Mid-handling: nothing committed, neither in the database nor on the broker.
        assert await committed_offset(kafka.bootstrap, group, topic, partition) is None
        assert await inbox_rows(sessionmaker, tables, group, event) == []

        handler.gate.set()

        async def offset_committed() -> bool:
            return await committed_offset(kafka.bootstrap, group, topic, partition) == offset + 1

        await eventually(offset_committed, timeout=10, interval=0.2)
        assert len(await inbox_rows(sessionmaker, tables, group, event)) == 1
        assert await notes_for(sessionmaker, notes_table, group, event) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_interrupted_handling_leaves_nothing_and_the_redelivery_is_handled(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("crash")
    event = make_event()
    [record] = await kafka.fetch(await kafka.produce(topic, body(event), key=b"k"))
    consumer, handler = consumer_with(topic)
    handler.gate = asyncio.Event()  # never opened: the worker dies while handling
    tables = service_definition.messaging_tables

    task = asyncio.create_task(consumer.handle_records([record]))
    await asyncio.wait_for(handler.entered.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, event) == 0
    assert await followups_of(sessionmaker, tables, event) == 0
    assert await inbox_rows(sessionmaker, tables, consumer.group_id, event) == []

    # The offset was not committed, so the record comes again: handled now, and only once.
    handler.gate = None
    await consumer.handle_records([record])
    await consumer.handle_records([record])
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, event) == 1
    assert await followups_of(sessionmaker, tables, event) == 1
    assert len(await inbox_rows(sessionmaker, tables, consumer.group_id, event)) == 1


async def test_failing_handler_dead_letters_then_replay_after_fix_handles_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("dlq")
    event = make_event()
    positions = await kafka.produce(
        topic, body(event), key=b"agg-1", headers=[("traceparent", b"00-abc-def-01")]
    )
    [record] = await kafka.fetch(positions)
    consumer, handler = consumer_with(topic, max_attempts=3)
    group = consumer.group_id
    handler.failing.add(event.event_id)
    tables = service_definition.messaging_tables

    await consumer.handle_records([record])
    # A one-record batch is its first attempt: max_attempts calls in all, then the DLQ.
    assert handler.calls == [event.event_id] * 3
    assert await notes_for(sessionmaker, notes_table, group, event) == 0
    assert await followups_of(sessionmaker, tables, event) == 0
    assert await inbox_rows(sessionmaker, tables, group, event) == []

    # Another group fails on the same record: its letter must not be replayed for `group`.
    other, other_handler = consumer_with(topic, max_attempts=1)
    other_handler.failing.add(event.event_id)
    await other.handle_records([record])

    letters = await kafka.read(topic + DLQ_SUFFIX, want=2, idle=0.2)
    assert len(letters) == 2
    [letter] = [r for r in letters if dict(r.headers)["dlq.consumer.group"] == group.encode()]
    headers = dict(letter.headers)
    assert letter.value == record.value and letter.key == b"agg-1"
    assert headers["dlq.error.type"] == b"RuntimeError"
    assert headers["dlq.error.message"] == f"handler bug for {event.event_id}".encode()
    assert headers["dlq.original.topic"] == topic.encode()
    assert headers["dlq.original.partition"] == str(record.partition).encode()
    assert headers["dlq.original.offset"] == str(record.offset).encode()
    assert headers["dlq.attempts"] == b"3"
    assert headers["dlq.failed_at"]
    assert headers["traceparent"] == b"00-abc-def-01"  # the record's own headers are kept

    # The bug is fixed; the operator replays this group's dead letters.
    handler.failing.clear()
    report = await replay_dead_letters(
        bootstrap_servers=kafka.bootstrap, topic=topic, group_id=group, idle_timeout=0.5
    )
    assert (report.replayed, report.skipped_other_groups) == (1, 1)
    on_topic = await kafka.read(topic, want=2, idle=0.2)
    assert len(on_topic) == 2
    replayed = on_topic[-1] if on_topic[-1].offset > record.offset else on_topic[0]
    replayed_headers = dict(replayed.headers)
    assert replayed.value == record.value and replayed.key == b"agg-1"
    assert "dlq.replayed_at" in replayed_headers
    assert not [k for k in replayed_headers if k.startswith("dlq.error")]
    assert replayed_headers["traceparent"] == b"00-abc-def-01"

    await consumer.handle_records([replayed])
    await consumer.handle_records([replayed])  # delivered twice: still once
    assert await notes_for(sessionmaker, notes_table, group, event) == 1
    assert await followups_of(sessionmaker, tables, event) == 1
    assert handler.calls.count(event.event_id) == 3 + 1  # 3 failed attempts, 1 replay


async def test_one_poison_record_does_not_hold_back_its_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("poison")
    good1, poison, good2 = make_event(), make_event(), make_event()
    records = await kafka.fetch(
        await kafka.produce(topic, body(good1), body(poison), body(good2), key=b"k")
    )
    consumer, handler = consumer_with(topic, max_attempts=2)
    handler.failing.add(poison.event_id)
    tables = service_definition.messaging_tables

    await consumer.handle_records(records)
    for good in (good1, good2):
        assert await notes_for(sessionmaker, notes_table, consumer.group_id, good) == 1
        assert await followups_of(sessionmaker, tables, good) == 1
        assert len(await inbox_rows(sessionmaker, tables, consumer.group_id, good)) == 1
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, poison) == 0
    assert await followups_of(sessionmaker, tables, poison) == 0
    assert await inbox_rows(sessionmaker, tables, consumer.group_id, poison) == []

    letters = await kafka.read(topic + DLQ_SUFFIX, want=1, idle=0.3)
    assert [parse_event(r.value).event_id for r in letters] == [poison.event_id]
    assert dict(letters[0].headers)["dlq.attempts"] == b"2"
    assert dict(letters[0].headers)["dlq.original.offset"] == str(records[1].offset).encode()
    # The batch ran with in_batch=True up to the poison; the redo ran each record alone.
    assert handler.calls == [good1.event_id, poison.event_id, good1.event_id] + [
        poison.event_id
    ] * 2 + [good2.event_id]
    assert handler.in_batch == [True, True, False, False, False, False]


async def test_undecodable_records_go_straight_to_the_dlq(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
) -> None:
    topic = parts.new_topic("garbage")
    good = make_event()
    unknown_type = body(make_event()).replace(b"orders.order.created", b"orders.order.exploded")
    not_for_us = new_event(
        "sso.entitlement.changed",
        EntitlementChangedV1(
            org_id=uuid.uuid4(), entitlement_version=1, entries=[], changed_by="admin"
        ),
        producer="sso",
        aggregate_id=uuid.uuid4(),
    )
    records = await kafka.fetch(
        await kafka.produce(
            topic, b"{not json", unknown_type, body(not_for_us), body(good), key=b"k"
        )
    )
    consumer, handler = consumer_with(topic, max_attempts=3)

    await consumer.handle_records(records)
    assert handler.calls == [good.event_id]  # no retries were spent on the bad bytes
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, good) == 1

    letters = await kafka.read(topic + DLQ_SUFFIX, want=2, idle=0.3)
    assert [r.value for r in letters] == [b"{not json", unknown_type]
    assert [dict(r.headers)["dlq.error.type"] for r in letters] == [
        b"ValidationError",
        b"UnknownEventType",
    ]
    assert all(dict(r.headers)["dlq.attempts"] == b"1" for r in letters)
    # An event type nobody here subscribed to is skipped, not dead-lettered.
    assert not [r for r in letters if r.offset == records[2].offset]


async def test_messaging_runtime_from_outbox_to_handler(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    database_url: str,
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    consumer_with: Any,
    service_definition: Any,
    eventually: Any,
) -> None:
    """Outbox → relay → broker → consumer → handler, wired by `Messaging` as services use it."""
    base = service_definition.settings_factory

    class Settings(base):  # type: ignore[misc, valid-type]
        model_config = SettingsConfigDict(env_prefix="SKSAMPLE_E2E_", extra="ignore")
        service_name: ClassVar[str] = f"e2e-{uuid.uuid4().hex[:8]}"

    settings = Settings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka.bootstrap,
        consumer_session_timeout_ms=2_000,
        consumer_heartbeat_interval_ms=300,
    )
    topic = parts.new_topic("e2e")
    handler = recorder_factory(settings.service_name)
    handler.followups = None  # a follow-up on the same topic would be consumed in turn
    messaging = Messaging(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        tables=service_definition.messaging_tables,
        subscriptions=Subscriptions().on(topic, EVENT_TYPE, handler),
        topic_for=lambda _event_type: topic,
        parse=parse_event,
    )
    event = make_event()
    await messaging.start()
    try:
        async for session in unit_of_work(sessionmaker):
            await messaging.outbox.add(session, event)

        async def handled() -> bool:
            return await notes_for(sessionmaker, notes_table, settings.service_name, event) == 1

        await eventually(handled, timeout=20)
        assert await messaging.broker_reachable()
    finally:
        await asyncio.wait_for(messaging.stop(), 15)
    assert handler.calls == [event.event_id]
    assert messaging.consumer.group_id == settings.service_name


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_worker_cancelled_mid_batch_leaves_its_group(
    sessionmaker: async_sessionmaker[AsyncSession],
    kafka: Any,
    parts: Any,
    make_event: Any,
    recorder_factory: Any,
    eventually: Any,
) -> None:
    """`Messaging.stop` cancels a consumer stuck in a handler after its grace period. The
    cancelled consumer must leave the group (it kept its client, and so its partitions)."""
    topic = parts.new_topic("stuck")
    event = make_event()
    for partition in range(4):  # the same event on every partition: whoever gets which
        await kafka.produce(topic, body(event), partition=partition)
    group = f"g-{uuid.uuid4().hex[:10]}"

    stuck = recorder_factory(group)
    stuck.gate = asyncio.Event()  # never opened
    first = parts.consumer_for(
        sessionmaker, Subscriptions().on(topic, EVENT_TYPE, stuck), kafka.bootstrap, group_id=group
    )
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await asyncio.wait_for(stuck.entered.wait(), 20)
    stop.set()
    task.cancel()  # what Messaging.stop does after its grace period
    await asyncio.gather(task, return_exceptions=True)

    healthy = recorder_factory(group)
    second = parts.consumer_for(
        sessionmaker,
        Subscriptions().on(topic, EVENT_TYPE, healthy),
        kafka.bootstrap,
        group_id=group,
    )
    stop2 = asyncio.Event()
    task2 = asyncio.create_task(second.run(stop2))
    try:

        async def every_partition_committed() -> bool:
            offsets = [await committed_offset(kafka.bootstrap, group, topic, p) for p in range(4)]
            return offsets == [1, 1, 1, 1]

        await eventually(every_partition_committed, timeout=20, interval=0.3)
    finally:
        stop2.set()
        await asyncio.wait_for(task2, 10)
    assert healthy.calls == [event.event_id]  # the copies on the other partitions: duplicates


# --- batch subscriptions -------------------------------------------------------------------


class BatchRecorder:
    """A batch handler: records each call's event ids, writes a note per event and publishes a
    follow-up per event; fails a whole call that holds an event in `failing`."""

    def __init__(self, group: str, followups: Any) -> None:
        self.group = group
        self.calls: list[list[uuid.UUID]] = []
        self.in_batch: list[bool] = []
        #: Whether the cyclic garbage collector was on during each call.
        self.collector_on: list[bool] = []
        self.failing: set[uuid.UUID] = set()
        self.followups = followups

    async def __call__(self, events: list[Any], ctx: HandlerContext) -> None:
        self.calls.append([e.event_id for e in events])
        self.in_batch.append(ctx.in_batch)
        self.collector_on.append(gc.isenabled())
        assert ctx.event is None
        await ctx.session.execute(
            Recorder.notes.insert(),
            [{"id": uuid.uuid4(), "text": f"{self.group}:{e.event_id}"} for e in events],
        )
        await ctx.publish(*(self.followups(e) for e in events))
        if self.failing & {e.event_id for e in events}:
            raise RuntimeError("batch handler bug")


@pytest.fixture
async def batch_consumer_with(
    sessionmaker: async_sessionmaker[AsyncSession],
    kafka: Any,
    parts: Any,
    recorder_factory: Any,
    make_event: Any,
) -> AsyncIterator[Any]:
    """A consumer of `topic` in a fresh group: a BatchRecorder takes orders.order.created;
    with `single=True` a Recorder also takes sso.entitlement.changed, one event at a time."""
    built: list[Any] = []

    def build(topic: str, *, max_attempts: int = 3, single: bool = False) -> Any:
        group = f"g-{uuid.uuid4().hex[:10]}"
        single_handler = recorder_factory(group)
        batch_handler = BatchRecorder(group, single_handler.followups)
        subs = Subscriptions().on_batch(topic, EVENT_TYPE, batch_handler)
        if single:
            single_handler.followups = None
            subs.on(topic, "sso.entitlement.changed", single_handler)
        consumer = parts.consumer_for(
            sessionmaker, subs, kafka.bootstrap, group_id=group, max_attempts=max_attempts
        )
        built.append(consumer)
        return consumer, batch_handler, single_handler

    yield build
    for consumer in built:
        await consumer._drop_clients()


def entitlement_changed() -> Any:
    return new_event(
        "sso.entitlement.changed",
        EntitlementChangedV1(
            org_id=uuid.uuid4(), entitlement_version=1, entries=[], changed_by="admin"
        ),
        producer="sso",
        aggregate_id=uuid.uuid4(),
    )


def test_a_type_has_either_a_single_or_a_batch_subscription() -> None:
    async def single(event: Any, ctx: HandlerContext) -> None: ...
    async def batch(events: list[Any], ctx: HandlerContext) -> None: ...

    subs = Subscriptions().on("t", "t.a", single).on_batch("t", "t.b", batch)
    assert subs.topics == ["t"]
    assert subs.handler_for("t", "t.b") is None
    assert subs.batch_handler_for("t", "t.b") is batch
    assert subs.subscribed("t", "t.a") and subs.subscribed("t", "t.b")
    assert not subs.subscribed("t", "t.c")
    with pytest.raises(ValueError, match="single and a batch"):
        subs.on_batch("t", "t.a", batch)
    with pytest.raises(ValueError, match="single and a batch"):
        subs.on("t", "t.b", single)


async def test_batch_handler_gets_the_batch_in_partition_order_without_duplicates(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    batch_consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("batched")
    events = [make_event() for _ in range(5)]
    done_before = events[3]
    values = [body(e) for e in events]
    # events[1] twice in the batch; events[3] handled in an earlier batch.
    records = await kafka.fetch(
        await kafka.produce(topic, values[3], *values[:2], values[1], *values[2:], key=b"k")
    )
    consumer, handler, _ = batch_consumer_with(topic)
    tables = service_definition.messaging_tables

    await consumer.handle_records(records[:1])
    await consumer.handle_records(records[1:])

    assert handler.calls == [
        [done_before.event_id],
        [e.event_id for e in events if e is not done_before],
    ]
    assert handler.in_batch == [False, True]
    # The collector is paused while a polled batch is handled, and on again afterwards.
    assert handler.collector_on == [False, False]
    assert gc.isenabled()
    for event in events:
        assert await notes_for(sessionmaker, notes_table, consumer.group_id, event) == 1
        assert await followups_of(sessionmaker, tables, event) == 1
        assert len(await inbox_rows(sessionmaker, tables, consumer.group_id, event)) == 1


async def test_a_failing_event_of_a_batch_is_dead_lettered_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    batch_consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("batch-poison")
    good1, poison, good2 = make_event(), make_event(), make_event()
    records = await kafka.fetch(
        await kafka.produce(topic, body(good1), body(poison), body(good2), key=b"k")
    )
    consumer, handler, _ = batch_consumer_with(topic, max_attempts=2)
    handler.failing.add(poison.event_id)
    tables = service_definition.messaging_tables

    await consumer.handle_records(records)

    # The whole batch once, then each event alone (one-event lists), the poison twice.
    ids = [good1.event_id, poison.event_id, good2.event_id]
    assert handler.calls == [ids, ids[:1], ids[1:2], ids[1:2], ids[2:]]
    assert handler.in_batch == [True, False, False, False, False]
    # Paused for the batch attempt only: the one-by-one redo runs with the collector on.
    assert handler.collector_on == [False, True, True, True, True]
    assert gc.isenabled()
    for good in (good1, good2):
        assert await notes_for(sessionmaker, notes_table, consumer.group_id, good) == 1
        assert await followups_of(sessionmaker, tables, good) == 1
        assert len(await inbox_rows(sessionmaker, tables, consumer.group_id, good)) == 1
    assert await notes_for(sessionmaker, notes_table, consumer.group_id, poison) == 0
    assert await followups_of(sessionmaker, tables, poison) == 0
    assert await inbox_rows(sessionmaker, tables, consumer.group_id, poison) == []
    letters = await kafka.read(topic + DLQ_SUFFIX, want=1, idle=0.3)
    assert [parse_event(r.value).event_id for r in letters] == [poison.event_id]
    assert dict(letters[0].headers)["dlq.attempts"] == b"2"


async def test_single_and_batch_subscriptions_share_a_batch_in_partition_order(
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    kafka: Any,
    parts: Any,
    make_event: Any,
    batch_consumer_with: Any,
    service_definition: Any,
) -> None:
    topic = parts.new_topic("mixed")
    b1, b2, s1, b3, s2, b4 = (
        make_event(),
        make_event(),
        entitlement_changed(),
        make_event(),
        entitlement_changed(),
        make_event(),
    )
    stream = [b1, b2, s1, b3, s2, b4]
    records = await kafka.fetch(await kafka.produce(topic, *(body(e) for e in stream), key=b"k"))
    consumer, batch, single = batch_consumer_with(topic, single=True)
    order: list[uuid.UUID] = []

    async def noting_batch(events: list[Any], ctx: HandlerContext) -> None:
        order.extend(e.event_id for e in events)
        await batch(events, ctx)

    async def noting_single(event: Any, ctx: HandlerContext) -> None:
        order.append(event.event_id)
        await single(event, ctx)

    consumer._subs.on_batch(topic, EVENT_TYPE, noting_batch)
    consumer._subs.handlers[topic]["sso.entitlement.changed"] = noting_single

    await consumer.handle_records(records)

    # Each run of batch events ends where a single subscription's event comes: effects follow
    # the partition order.
    assert order == [e.event_id for e in stream]
    assert batch.calls == [[b1.event_id, b2.event_id], [b3.event_id], [b4.event_id]]
    assert single.calls == [s1.event_id, s2.event_id]
    assert batch.in_batch == [True, True, True] and single.in_batch == [True, True]
    for event in stream:
        assert await notes_for(sessionmaker, notes_table, consumer.group_id, event) == 1
        tables = service_definition.messaging_tables
        assert len(await inbox_rows(sessionmaker, tables, consumer.group_id, event)) == 1
