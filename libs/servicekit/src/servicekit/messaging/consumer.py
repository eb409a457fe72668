"""Inbox consumer: each event handled once per consumer group, in the handler's transaction.

A batch of records is handled in one transaction (fast path). If any handler fails, the batch is
rolled back and its records are handled one by one with bounded retries; a record that still
fails goes to `<topic>.dlq` with the error in its headers. Offsets are committed only after the
database commit, so a crash re-delivers and the inbox drops what was already done.

A batch subscription (`Subscriptions.on_batch`) hands its handler a list of events at once:
every run of consecutive, not-yet-handled events of the batch that go to that handler, in
partition order (a single subscription's event in between ends the run, so effects still happen
in partition order). One by one after a failure, it gets a one-event list.

Subscriptions that declare `concurrent_partitions` have one poll's partition batches handled at
the same time on PostgreSQL, each as above in its own transaction (docs/adr/0009).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.aio import sleep_or_stop
from servicekit.clock import Clock, utc_now
from servicekit.db import insert_many
from servicekit.messaging.kafka import new_consumer, new_producer, started, stop_quietly
from servicekit.messaging.outbox import Outbox
from servicekit.messaging.tables import MessagingTables
from servicekit.observability import correlation_scope, metrics

log = logging.getLogger("servicekit.consumer")

#: Batch transactions of this process in progress (one poll's partitions run concurrently).
_batches_in_progress = 0
#: Whether the collector was on when the first of them started.
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while polled batches are parsed and handled in their
    transaction; on again when the last one in progress ends, if it was on (the one-by-one
    redo after a failure runs with it on). A batch holds hundreds of events and their rows
    until it commits, and what it allocates meanwhile triggered collections that scanned them
    again and again (and every so often all of the process's objects) without freeing
    anything: they are freed by reference counting when the batch ends. Cyclic garbage made
    meanwhile waits for the next collection after it."""
    global _batches_in_progress, _collector_was_enabled
    if _batches_in_progress == 0:
        _collector_was_enabled = gc.isenabled()
        gc.disable()
    _batches_in_progress += 1
    try:
        yield
    finally:
        _batches_in_progress -= 1
        if _batches_in_progress == 0 and _collector_was_enabled:
            gc.enable()


DLQ_SUFFIX = ".dlq"
MAX_BACKOFF_SECONDS = 5.0


@dataclass
class HandlerContext:
    """What a handler gets besides the event: the transaction and a way to publish follow-ups."""

    session: AsyncSession
    outbox: Outbox
    event: Any
    #: True while handled inside a multi-event batch transaction. A failure there re-runs each
    #: event alone (in_batch=False), so a handler may leave a duplicate check that a unique
    #: key enforces anyway to that retry and save a round trip per event in the batch.
    in_batch: bool = False
    #: The service's clock: handlers read "now" here, so a test that pins the app's clock
    #: pins what consumed events record too.
    clock: Clock = utc_now

    async def publish(self, *events: Any) -> None:
        await self.outbox.add(self.session, *events)


Handler = Callable[[Any, HandlerContext], Awaitable[None]]
#: Gets a list of events (partition order, duplicates already dropped); ctx.event is None.
BatchHandler = Callable[[list[Any], HandlerContext], Awaitable[None]]
#: Turns a record's value into an envelope (shared_schemas' registry.parse in services).
Parser = Callable[[bytes], Any]


@dataclass
class Subscriptions:
    """topic → event type → handler; each service lists all of its own in subscriptions.py."""

    handlers: dict[str, dict[str, Handler]] = field(default_factory=dict)
    batch_handlers: dict[str, dict[str, BatchHandler]] = field(default_factory=dict)
    #: The handlers are safe to run concurrently for different partitions (each batch in its
    #: own transaction; rows that events of several partitions change are locked in a fixed
    #: order). Then, on PostgreSQL, one poll's partition batches are handled at the same time:
    #: one batch's database round trips overlap another's Python work. Off by default.
    concurrent_partitions: bool = False

    def on(self, topic: str, event_type: str, handler: Handler) -> Subscriptions:
        self._ensure_free(topic, event_type, self.batch_handlers)
        self.handlers.setdefault(topic, {})[event_type] = handler
        return self

    def on_batch(self, topic: str, event_type: str, handler: BatchHandler) -> Subscriptions:
        """Subscribe a handler that takes the events of a polled batch together (one query for
        all of them instead of one per event). Registering the same handler for several event
        types of a topic hands it their events together, in partition order."""
        self._ensure_free(topic, event_type, self.handlers)
        self.batch_handlers.setdefault(topic, {})[event_type] = handler
        return self

    @staticmethod
    def _ensure_free(topic: str, event_type: str, other: dict[str, dict[str, Any]]) -> None:
        if event_type in other.get(topic, {}):
            raise ValueError(f"{topic}/{event_type} has a single and a batch subscription")

    @property
    def topics(self) -> list[str]:
        return sorted({*self.handlers, *self.batch_handlers})

    def handler_for(self, topic: str, event_type: str) -> Handler | None:
        return self.handlers.get(topic, {}).get(event_type)

    def batch_handler_for(self, topic: str, event_type: str) -> BatchHandler | None:
        return self.batch_handlers.get(topic, {}).get(event_type)

    def subscribed(self, topic: str, event_type: str) -> bool:
        return event_type in self.handlers.get(topic, {}) or event_type in self.batch_handlers.get(
            topic, {}
        )


class EventConsumer:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        outbox: Outbox,
        subscriptions: Subscriptions,
        parse: Parser,
        group_id: str,
        bootstrap_servers: str,
        idempotent: bool,
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        clock: Clock = utc_now,
    ) -> None:
        self._clock = clock
        self._sessionmaker = sessionmaker
        self._inbox = tables.inbox
        self._outbox = outbox
        self._subs = subscriptions
        self._parse = parse
        self.group_id = group_id
        self._bootstrap = bootstrap_servers
        self._idempotent = idempotent
        self._max_attempts = max(1, max_attempts)
        self._retry_backoff = retry_backoff
        self._session_timeout_ms = session_timeout_ms
        self._heartbeat_interval_ms = heartbeat_interval_ms
        # SQLite has one writer at a time: concurrent batches would only wait for (or, when
        # both read before writing, fail on) each other's write lock.
        dialect = getattr(sessionmaker.kw.get("bind"), "dialect", None)
        self._concurrent = subscriptions.concurrent_partitions and (
            dialect is not None and dialect.name != "sqlite"
        )
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None

    def assignment(self) -> set[tuple[str, int]]:
        """The (topic, partition)s this consumer holds right now; empty before it joined its
        group (tests and health checks wait for it)."""
        if self._consumer is None:
            return set()
        return {(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    async def run(self, stop: asyncio.Event) -> None:
        if not self._subs.topics:
            return
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    consumer = await self._ensure_consumer()
                    # Concurrent partitions: up to 500 records of each (see handle_partitions).
                    partitions = len(consumer.assignment()) if self._concurrent else 1
                    batches = await consumer.getmany(
                        timeout_ms=200, max_records=500 * max(1, partitions)
                    )
                    if self._concurrent and len(batches) > 1:
                        await self.handle_partitions(list(batches.values()))
                        await consumer.commit(
                            {tp: records[-1].offset + 1 for tp, records in batches.items()}
                        )
                    else:
                        for tp, records in batches.items():
                            await self.handle_records(records)
                            await consumer.commit({tp: records[-1].offset + 1})
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning(
                        "consumer %s error, retrying in %.1fs: %r", self.group_id, backoff, exc
                    )
                    await self._drop_clients()
                    await sleep_or_stop(stop, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            # Also when cancelled: a client left running keeps its group membership (and so
            # its partitions) and its background tasks alive.
            await self._drop_clients()

    async def handle_partitions(self, batches: list[list[ConsumerRecord[Any, Any]]]) -> None:
        """Handle several partitions' batches at the same time, each as `handle_records`
        would (its own transaction, fallback and dead letters); returns when all are done. If
        one raises (the database or the dead-letter topic unreachable), the others are
        cancelled — rolled back — and nothing of the poll is committed: it is redelivered."""
        async with asyncio.TaskGroup() as group:
            for records in batches:
                group.create_task(self.handle_records(records))

    async def handle_records(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Handle records of one partition; returns when each is done or dead-lettered."""
        with _collector_paused():
            decoded: list[tuple[ConsumerRecord[Any, Any], Any]] = []
            for record in records:
                try:
                    envelope = self._parse(record.value)
                except Exception as exc:  # undecodable: no retry can fix the bytes themselves
                    await self._dead_letter(record, exc, attempts=1)
                    continue
                if not self._subs.subscribed(record.topic, envelope.event_type):
                    metrics.events_consumed.labels(record.topic, self.group_id, "ignored").inc()
                    continue
                decoded.append((record, envelope))
            if not decoded:
                return
            try:
                await self._handle_in_one_transaction(decoded, in_batch=len(decoded) > 1)
            except Exception as exc:
                failure = exc
            else:
                decoded.clear()  # freed now, not scanned by the collector's next pass
                return
        log.info("batch of %d failed (%r); handling one by one", len(decoded), failure)
        # A lone record's batch attempt was already its first attempt.
        attempts_made = 1 if len(decoded) == 1 else 0
        for record, envelope in decoded:
            await self._handle_with_retries(record, envelope, attempts_made, failure)

    async def _handle_in_one_transaction(
        self, items: Iterable[tuple[ConsumerRecord[Any, Any], Any]], *, in_batch: bool = False
    ) -> None:
        async with self._sessionmaker() as session, session.begin():
            items = list(items)
            now = datetime.now(UTC)
            inbox_rows: dict[Any, dict[str, Any]] = {}  # event id → its first copy's row
            for record, envelope in items:
                if envelope.event_id not in inbox_rows:
                    inbox_rows[envelope.event_id] = self._inbox_row(record, envelope, now)
            claimed = await self._claim(session, list(inbox_rows.values()))
            outcomes: list[tuple[str, str]] = []
            # The current run of events for one batch handler, handed over when the run ends.
            run: list[Any] = []
            run_handler: BatchHandler | None = None
            for record, envelope in items:
                if envelope.event_id not in claimed:
                    outcomes.append((record.topic, "duplicate"))
                    continue
                claimed.discard(envelope.event_id)  # a later copy in the batch is a duplicate
                batch_handler = self._subs.batch_handler_for(record.topic, envelope.event_type)
                if run and batch_handler is not run_handler:
                    assert run_handler is not None
                    await self._run_batch_handler(session, run_handler, run, in_batch)
                    run = []
                run_handler = batch_handler
                if batch_handler is not None:
                    run.append(envelope)
                else:
                    await self._run_handler(session, record, envelope, in_batch)
                outcomes.append((record.topic, "handled"))
            if run:
                assert run_handler is not None
                await self._run_batch_handler(session, run_handler, run, in_batch)
        # Counted per (topic, outcome), not per event: a labelled child's lookup costs more
        # than the increment.
        for (topic, outcome), count in Counter(outcomes).items():
            metrics.events_consumed.labels(topic, self.group_id, outcome).inc(count)

    async def _handle_with_retries(
        self,
        record: ConsumerRecord[Any, Any],
        envelope: Any,
        attempts_made: int,
        last_error: Exception,
    ) -> None:
        if attempts_made >= self._max_attempts:
            await self._dead_letter(record, last_error, attempts=attempts_made)
            return
        for attempt in range(attempts_made + 1, self._max_attempts + 1):
            try:
                await self._handle_in_one_transaction([(record, envelope)])
                return
            except Exception as exc:
                if attempt == self._max_attempts:
                    await self._dead_letter(record, exc, attempts=attempt)
                    return
                log.warning(
                    "handling %s failed (attempt %d/%d): %r",
                    envelope.event_id,
                    attempt,
                    self._max_attempts,
                    exc,
                )
                await asyncio.sleep(
                    min(self._retry_backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
                )

    async def _run_handler(
        self,
        session: AsyncSession,
        record: ConsumerRecord[Any, Any],
        envelope: Any,
        in_batch: bool,
    ) -> None:
        handler = self._subs.handler_for(record.topic, envelope.event_type)
        assert handler is not None
        ctx = HandlerContext(
            session=session,
            outbox=self._outbox,
            event=envelope,
            in_batch=in_batch,
            clock=self._clock,
        )
        with correlation_scope(envelope.correlation_id or str(envelope.event_id)):
            # No savepoint per handler: an exception propagates and rolls back the whole
            # transaction (then the batch is retried one by one), so a handler's partial writes
            # never commit anyway. A SAVEPOINT/RELEASE pair per event, each a distinct statement
            # for asyncpg to prepare (sa_savepoint_N), cost more than the handler itself.
            await handler(envelope, ctx)

    async def _run_batch_handler(
        self, session: AsyncSession, handler: BatchHandler, events: list[Any], in_batch: bool
    ) -> None:
        ctx = HandlerContext(
            session=session, outbox=self._outbox, event=None, in_batch=in_batch, clock=self._clock
        )
        first = events[0]
        with correlation_scope(first.correlation_id or str(first.event_id)):
            await handler(events, ctx)

    async def _claim(self, session: AsyncSession, rows: list[dict[str, Any]]) -> set[Any]:
        """Records the events in the inbox before any handler runs and returns the ids of
        those not handled before: one INSERT … ON CONFLICT DO NOTHING RETURNING instead of a
        SELECT first and an INSERT last. A consumer still handling one of them (the group
        rebalanced) makes this wait for its commit instead of both running the handlers. And
        since the transaction's last statements are then its handlers', a row they lock last
        (a total that other partitions' batches also add to) is held only while it commits."""
        t = self._inbox
        claim, params = insert_many(session, t, rows)
        claim = claim.on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        result = await session.execute(claim.returning(t.c.event_id), params)
        return set(result.scalars())

    def _inbox_row(
        self, record: ConsumerRecord[Any, Any], envelope: Any, now: datetime
    ) -> dict[str, Any]:
        return {
            "consumer_group": self.group_id,
            "event_id": envelope.event_id,
            "topic": record.topic,
            "event_type": envelope.event_type,
            "partition": record.partition,
            "offset": record.offset,
            "processed_at": now,
        }

    async def _dead_letter(
        self, record: ConsumerRecord[Any, Any], exc: BaseException, *, attempts: int
    ) -> None:
        producer = await self._ensure_dlq_producer()
        headers = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
        headers += [
            ("dlq.error.type", type(exc).__name__.encode()),
            ("dlq.error.message", str(exc)[:1000].encode()),
            ("dlq.original.topic", record.topic.encode()),
            ("dlq.original.partition", str(record.partition).encode()),
            ("dlq.original.offset", str(record.offset).encode()),
            ("dlq.consumer.group", self.group_id.encode()),
            ("dlq.attempts", str(attempts).encode()),
            ("dlq.failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        await (
            await producer.send(
                record.topic + DLQ_SUFFIX, value=record.value, key=record.key, headers=headers
            )
        )
        metrics.events_consumed.labels(record.topic, self.group_id, "dead_lettered").inc()
        log.error(
            "dead-lettered %s[%d]@%d for group %s after %d attempt(s): %r",
            record.topic,
            record.partition,
            record.offset,
            self.group_id,
            attempts,
            exc,
        )

    async def _ensure_consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            self._consumer = await started(
                new_consumer(
                    self._bootstrap,
                    *self._subs.topics,
                    group_id=self.group_id,
                    client_id=self.group_id,
                    session_timeout_ms=self._session_timeout_ms,
                    heartbeat_interval_ms=self._heartbeat_interval_ms,
                )
            )
        return self._consumer

    async def _ensure_dlq_producer(self) -> AIOKafkaProducer:
        if self._dlq_producer is None:
            self._dlq_producer = await started(
                new_producer(
                    self._bootstrap, client_id=f"{self.group_id}-dlq", idempotent=self._idempotent
                )
            )
        return self._dlq_producer

    async def _drop_clients(self) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._dlq_producer = self._dlq_producer, None
        await stop_quietly(consumer)
        await stop_quietly(producer)
