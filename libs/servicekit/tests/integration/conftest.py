"""A throwaway service built on servicekit, and helpers for the integration tests.

`service_definition` is what servicekit's pytest plugin needs for `database_url` (SQLite and
PostgreSQL, migrated with `sample_migrations/`), `app` and `client`. Everything here is
generic: no domain code, one `notes` table, and endpoints that exercise the unit of work,
the outbox and the auth dependencies.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, ClassVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Table, Text, Uuid, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.app import DbSession, EventOutbox
from servicekit.auth import CurrentPrincipal, Principal, require, scoped
from servicekit.db import create_engine, create_sessionmaker, new_metadata
from servicekit.definition import ServiceDefinition
from servicekit.errors import Conflict
from servicekit.events import parse_event
from servicekit.messaging import EventConsumer, MessagingTables, Outbox, OutboxRelay, Subscriptions
from servicekit.settings import ServiceSettings
from shared_schemas import Money, OrderCategory, OrderCreatedV1, OrderDirection, new_event
from shared_schemas.envelope import EventEnvelope

HERE = Path(__file__).resolve().parent
SAMPLE_SERVICE = "sksample"
PARTITIONS = 4  # what the local broker gives an auto-created topic


# --- the sample service ------------------------------------------------------------------


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    text: Mapped[str] = mapped_column(Text)
    org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


MESSAGING_TABLES = MessagingTables.define(Base.metadata)


class SampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SKSAMPLE_", extra="ignore")
    service_name: ClassVar[str] = SAMPLE_SERVICE
    # Fast loops for tests.
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.01
    relay_poll_interval_seconds: float = 0.05


def order_created(
    aggregate_id: uuid.UUID | None = None,
    *,
    org_id: uuid.UUID | None = None,
    source_ref: str = "note",
) -> EventEnvelope[OrderCreatedV1]:
    """A valid `orders.order.created` envelope (any registered event type would do)."""
    order_id = aggregate_id or uuid.uuid4()
    org = org_id or uuid.uuid4()
    payload = OrderCreatedV1(
        order_id=order_id,
        order_no=f"OC{order_id.hex[:14]}",
        category=OrderCategory.risk_assessment,
        direction=OrderDirection.receivable,
        customer_org_id=org,
        amount=Money(amount="12.30"),
        source_service=SAMPLE_SERVICE,
        source_ref=source_ref,
        sign_date=date(2026, 11, 20),
        created_by="tester",
    )
    return new_event(
        "orders.order.created",
        payload,
        producer=SAMPLE_SERVICE,
        aggregate_id=order_id,
        org_id=org,
    )


class NoteIn(BaseModel):
    text: str = Field(min_length=1)
    amount: int = 0
    org_id: uuid.UUID | None = None


router = APIRouter(prefix="/notes")


@router.post("", status_code=201)
async def add_note(body: NoteIn, session: DbSession) -> dict[str, str]:
    note = Note(id=uuid.uuid4(), text=body.text, org_id=body.org_id)
    session.add(note)
    return {"id": str(note.id)}


@router.post("/rejected")
async def add_then_reject(body: NoteIn, session: DbSession) -> dict[str, str]:
    note = Note(id=uuid.uuid4(), text=body.text)
    session.add(note)
    await session.flush()  # the row is really written inside the transaction
    raise Conflict(f"note {note.id} rejected", code="note_rejected")


@router.post("/crash")
async def add_then_crash(body: NoteIn, session: DbSession) -> dict[str, str]:
    session.add(Note(id=uuid.uuid4(), text=body.text))
    await session.flush()
    raise RuntimeError("secret-dsn=postgresql://admin:hunter2@db")


@router.post("/{note_id}/again")
async def insert_again(note_id: uuid.UUID, session: DbSession) -> dict[str, bool]:
    # No flush: the duplicate primary key only surfaces when the unit of work commits.
    session.add(Note(id=note_id, text="duplicate"))
    return {"ok": True}


@router.post("/with-event")
async def add_with_event(body: NoteIn, session: DbSession, outbox: EventOutbox) -> dict[str, str]:
    note = Note(id=uuid.uuid4(), text=body.text)
    session.add(note)
    event = order_created(note.id)
    await outbox.add(session, event)
    return {"id": str(note.id), "event_id": str(event.event_id)}


@router.post("/with-event/rejected")
async def add_with_event_then_reject(
    body: NoteIn, session: DbSession, outbox: EventOutbox
) -> dict[str, str]:
    note = Note(id=uuid.uuid4(), text=body.text)
    session.add(note)
    await outbox.add(session, order_created(note.id, source_ref=body.text))
    raise Conflict("changed my mind", code="note_rejected")


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"sub": principal.subject, "org": str(principal.org_id), "entry": principal.entry}


@router.get("/visible")
async def visible_notes(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("sample.note.read"))],
) -> list[str]:
    query = scoped(select(Note.text), Note.org_id, principal).order_by(Note.text)
    return list((await session.execute(query)).scalars())


DEFINITION = ServiceDefinition(
    name=SAMPLE_SERVICE,
    title="servicekit sample service (tests only)",
    settings_factory=SampleSettings,
    metadata=Base.metadata,
    messaging_tables=MESSAGING_TABLES,
    migrations_dir=HERE / "sample_migrations",
    routers=[router],
)


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return DEFINITION


@pytest.fixture(scope="session")
def notes_table() -> Table:
    return Note.__table__  # type: ignore[return-value]


# --- database ----------------------------------------------------------------------------


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def lenient_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but a 500 comes back as a response instead of re-raising in the test."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


# --- broker ------------------------------------------------------------------------------


def new_topic(prefix: str = "sk") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}"


@dataclass
class Kafka:
    """Small, bounded helpers around aiokafka clients (no consumer groups: no join delay)."""

    bootstrap: str

    async def produce(
        self,
        topic: str,
        *values: bytes,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
    ) -> list[tuple[str, int, int]]:
        """Send the values in order (same key: same partition); their (topic, partition, offset)."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        positions = []
        async with asyncio.timeout(15):
            await producer.start()
            try:
                for value in values:
                    md = await producer.send_and_wait(
                        topic, value, key=key, headers=headers, partition=partition
                    )
                    positions.append((topic, md.partition, md.offset))
            finally:
                await producer.stop()
        return positions

    async def read(
        self, topic: str, *, want: int, timeout: float = 10.0, idle: float = 0.0
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Every record of `topic` from the start: until `want` arrived, then `idle` s more."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=5000,
        )
        got: list[ConsumerRecord[bytes, bytes]] = []
        await asyncio.wait_for(consumer.start(), 10)
        try:
            parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while len(got) < want and loop.time() < deadline:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    got.extend(records)
            deadline = loop.time() + idle
            while loop.time() < deadline:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    got.extend(records)
        finally:
            await consumer.stop()
        return got

    async def fetch(
        self, positions: Iterable[tuple[str, int, int]]
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """The records at exactly these (topic, partition, offset) positions, in that order."""
        wanted = list(positions)
        by_position: dict[tuple[str, int, int], ConsumerRecord[bytes, bytes]] = {}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, request_timeout_ms=5000
        )
        await asyncio.wait_for(consumer.start(), 10)
        try:
            for topic, partition in {(t, p) for t, p, _ in wanted}:
                tp = TopicPartition(topic, partition)
                consumer.assign([tp])
                consumer.seek(tp, min(o for t, p, o in wanted if (t, p) == (topic, partition)))
                async with asyncio.timeout(10):
                    while not all(
                        w in by_position for w in wanted if (w[0], w[1]) == (topic, partition)
                    ):
                        for records in (await consumer.getmany(tp, timeout_ms=100)).values():
                            for r in records:
                                by_position[(r.topic, r.partition, r.offset)] = r
        finally:
            await consumer.stop()
        return [by_position[w] for w in wanted]


@pytest.fixture
def kafka(kafka_bootstrap: str) -> Kafka:
    return Kafka(kafka_bootstrap)


async def wait_until(predicate: Any, *, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Poll an async predicate until it is true; fail after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(interval)


@pytest.fixture
def eventually() -> Any:
    return wait_until


@pytest.fixture
def make_event() -> Any:
    return order_created


# --- messaging parts built directly (unique topics, groups and relay names per test) -------


def outbox_to(topic: str) -> Outbox:
    """An outbox that routes every event type to `topic` (isolates tests from each other)."""
    return Outbox(MESSAGING_TABLES, lambda _event_type: topic)


def relay_for(engine: AsyncEngine, bootstrap: str, *, service: str | None = None) -> OutboxRelay:
    return OutboxRelay(
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        tables=MESSAGING_TABLES,
        service_name=service or f"relay-{uuid.uuid4().hex[:8]}",
        bootstrap_servers=bootstrap,
        idempotent=False,
        batch_size=100,
        poll_interval=0.05,
    )


def consumer_for(
    sessionmaker: async_sessionmaker[AsyncSession],
    subscriptions: Subscriptions,
    bootstrap: str,
    *,
    group_id: str | None = None,
    max_attempts: int = 3,
) -> EventConsumer:
    return EventConsumer(
        sessionmaker=sessionmaker,
        tables=MESSAGING_TABLES,
        outbox=outbox_to(new_topic("followups")),
        subscriptions=subscriptions,
        parse=parse_event,
        group_id=group_id or f"g-{uuid.uuid4().hex[:10]}",
        bootstrap_servers=bootstrap,
        idempotent=False,
        max_attempts=max_attempts,
        retry_backoff=0.01,
        session_timeout_ms=2_000,  # the local broker holds a JoinGroup for ~session/2
        heartbeat_interval_ms=300,
    )


@pytest.fixture
def parts() -> SimpleNamespace:
    """Factories for outbox/relay/consumer (each test uses its own topics, groups, relays)."""
    return SimpleNamespace(
        outbox_to=outbox_to, relay_for=relay_for, consumer_for=consumer_for, new_topic=new_topic
    )
