"""Outbox relay: publishes committed outbox rows to Kafka, in commit order, never losing one.

On PostgreSQL exactly one relay per service is active: it holds a session-level advisory lock
on a dedicated connection; other replicas wait on standby. Rows are claimed with
`FOR UPDATE SKIP LOCKED`. A row is marked published only after the broker acknowledged it
(acks=all); if the broker is down, rows stay and are sent when it returns.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.aio import sleep_or_stop
from servicekit.clock import Clock, utc_now
from servicekit.messaging.kafka import new_producer, started, stop_quietly
from servicekit.messaging.tables import MessagingTables
from servicekit.observability import metrics

log = logging.getLogger("servicekit.relay")

MAX_BACKOFF_SECONDS = 5.0
PURGE_INTERVAL_SECONDS = 600.0


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        service_name: str,
        bootstrap_servers: str,
        idempotent: bool,
        batch_size: int = 500,
        poll_interval: float = 0.2,
        retention_hours: float = 72.0,
        clock: Clock = utc_now,
    ) -> None:
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._table = tables.outbox
        self._service = service_name
        self._bootstrap = bootstrap_servers
        self._idempotent = idempotent
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retention_hours = retention_hours
        self._clock = clock
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._lock_conn: AsyncConnection | None = None
        self._is_postgres = engine.dialect.name == "postgresql"
        self.is_active = False
        self._next_purge = 0.0

    def wake(self) -> None:
        """Called after a commit that added outbox rows."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    if not await self._hold_leadership():
                        await sleep_or_stop(stop, 2.0)
                        continue
                    producer = await self._ensure_producer()
                    sent = await self.publish_batch(producer)
                    backoff = 0.2
                    if sent == 0:
                        await self._purge_when_due()
                        await self._idle(stop)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # broker or database trouble: keep the rows, retry later
                    log.warning("outbox relay error, retrying in %.1fs: %r", backoff, exc)
                    metrics.relay_errors.labels(self._service).inc()
                    await self._drop_producer()
                    await sleep_or_stop(stop, backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            # Also when cancelled (Messaging.stop after its grace period): release the lock.
            await self.close()

    async def close(self) -> None:
        await self._drop_producer()
        if self._lock_conn is not None:
            try:
                # The advisory lock belongs to the database session: returned to the pool, the
                # connection would keep holding it and no standby could take over. Discard it.
                await self._lock_conn.invalidate()
                await self._lock_conn.close()
            except Exception:  # the connection may already be gone
                pass
            self._lock_conn = None
        self.is_active = False

    async def publish_batch(self, producer: AIOKafkaProducer) -> int:
        """Send one batch of unpublished rows; returns how many were marked published."""
        t = self._table
        async with self._sessionmaker() as session, session.begin():
            query = (
                select(t.c.id, t.c.topic, t.c.message_key, t.c.body, t.c.event_type, t.c.created_at)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.id)
                .limit(self._batch_size)
            )
            if self._is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            # Once aiokafka was asked about one topic, its metadata covers only the topics it
            # was asked about: a topic it knew just from the bootstrap metadata loses its leader
            # and that topic's messages expire (NotLeaderForPartition). Track each one we send to.
            await asyncio.gather(*(producer.client.add_topic(t) for t in {r.topic for r in rows}))
            futures = [
                await producer.send(
                    row.topic,
                    value=row.body.encode(),
                    key=row.message_key.encode(),
                    headers=[("event_type", row.event_type.encode())],
                )
                for row in rows
            ]
            results = await asyncio.gather(*futures, return_exceptions=True)
            # Mark only the prefix before the first failure: later rows are sent again, which
            # the consumers' inbox makes harmless, and the order of what is marked holds.
            done: list[Any] = []
            first_error: BaseException | None = None
            for row, result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    first_error = result
                    break
                done.append(row)
            now = self._clock()
            if done:
                await session.execute(
                    update(t).where(t.c.id.in_([r.id for r in done])).values(published_at=now)
                )
                for row in done:
                    metrics.events_published.labels(row.topic).inc()
                    metrics.outbox_lag.observe(
                        max(0.0, (now - _aware(row.created_at)).total_seconds())
                    )
            if first_error is not None:
                failed = rows[len(done)]
                await session.execute(
                    update(t)
                    .where(t.c.id == failed.id)
                    .values(attempts=t.c.attempts + 1, last_error=repr(first_error)[:2000])
                )
        if first_error is not None:
            raise first_error
        return len(done)

    async def purge_published(self) -> int:
        """Delete rows published longer ago than the retention; the broker has them."""
        cutoff = self._clock().timestamp() - self._retention_hours * 3600
        t = self._table
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                delete(t).where(t.c.published_at < datetime.fromtimestamp(cutoff, UTC))
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _purge_when_due(self) -> None:
        """Only when idle, at most every PURGE_INTERVAL_SECONDS: the table stays small."""
        now = asyncio.get_running_loop().time()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_INTERVAL_SECONDS
        purged = await self.purge_published()
        if purged:
            log.info(
                "purged %d published outbox rows older than %.0f h", purged, self._retention_hours
            )

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiter = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {waiter, stopper},
                timeout=self._poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waiter.cancel()
            stopper.cancel()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            self._producer = await started(
                new_producer(
                    self._bootstrap, client_id=f"{self._service}-relay", idempotent=self._idempotent
                )
            )
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        await stop_quietly(producer)

    async def _hold_leadership(self) -> bool:
        """PostgreSQL: one active relay per service via an advisory lock held on a connection."""
        if not self._is_postgres:
            self.is_active = True
            return True
        if self._lock_conn is not None:
            try:
                await self._lock_conn.execute(text("SELECT 1"))
                return True
            except Exception:
                self._lock_conn = None
                self.is_active = False
        conn = await self._engine.connect()
        key = zlib.crc32(f"outbox-relay:{self._service}".encode()) & 0x7FFFFFFF
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar()
        await conn.commit()
        if got:
            self._lock_conn = conn
            self.is_active = True
            log.info("outbox relay active for %s", self._service)
            return True
        await conn.close()
        return False


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
