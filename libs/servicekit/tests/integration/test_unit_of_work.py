"""The request's unit of work (`DbSession`) on SQLite and PostgreSQL: one commit or nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import async_url, is_sqlite_url, unit_of_work


async def count_notes(
    sessionmaker: async_sessionmaker[AsyncSession], notes: Table, **where: Any
) -> int:
    query = select(func.count()).select_from(notes)
    for column, value in where.items():
        query = query.where(notes.c[column] == value)
    async with sessionmaker() as session:
        return int((await session.execute(query)).scalar_one())


async def test_commits_after_the_endpoint_returns(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], notes_table: Table
) -> None:
    response = await client.post("/notes", json={"text": "kept"})
    assert response.status_code == 201
    note_id = uuid.UUID(response.json()["id"])
    async with sessionmaker() as session:
        row = (await session.execute(select(notes_table).where(notes_table.c.id == note_id))).one()
    assert row.text == "kept"


async def test_problem_error_after_a_write_rolls_it_back(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], notes_table: Table
) -> None:
    marker = f"rejected-{uuid.uuid4().hex}"
    response = await client.post("/notes/rejected", json={"text": marker})
    assert response.status_code == 409
    assert response.json()["code"] == "note_rejected"
    assert await count_notes(sessionmaker, notes_table, text=marker) == 0


async def test_unexpected_error_after_a_write_rolls_it_back(
    lenient_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
) -> None:
    marker = f"crash-{uuid.uuid4().hex}"
    response = await lenient_client.post(
        "/notes/crash", json={"text": marker}, headers={"x-request-id": "uow-crash"}
    )
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == "uow-crash"
    assert "hunter2" not in response.text
    assert await count_notes(sessionmaker, notes_table, text=marker) == 0


async def test_failed_commit_is_an_error_response_not_a_success(
    client: httpx.AsyncClient,
    lenient_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
) -> None:
    created = await client.post("/notes", json={"text": "original"})
    note_id = created.json()["id"]
    # The endpoint returns {"ok": true}; the duplicate key only fails at commit time.
    response = await lenient_client.post(f"/notes/{note_id}/again")
    assert response.status_code == 500, response.text
    assert response.json()["code"] == "internal_error"
    assert "ok" not in response.json()
    async with sessionmaker() as session:
        texts = (
            (
                await session.execute(
                    select(notes_table.c.text).where(notes_table.c.id == uuid.UUID(note_id))
                )
            )
            .scalars()
            .all()
        )
    assert texts == ["original"]


async def test_validation_error_names_the_body_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "", "amount": "lots"})
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["body.text", "body.amount"]


async def test_event_outbox_writes_in_the_request_transaction(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    notes_table: Table,
    service_definition: Any,
    eventually: Any,
) -> None:
    outbox = service_definition.messaging_tables.outbox
    ok = (await client.post("/notes/with-event", json={"text": "with event"})).json()

    async def published() -> bool:
        async with sessionmaker() as session:
            row = (
                await session.execute(
                    select(outbox).where(outbox.c.event_id == uuid.UUID(ok["event_id"]))
                )
            ).one()
        assert row.message_key == ok["id"]
        assert row.topic == "orders.order" and row.event_type == "orders.order.created"
        return row.published_at is not None

    # The inline relay was woken by the commit and published it.
    await eventually(published, timeout=15)

    marker = f"evt-rejected-{uuid.uuid4().hex}"
    rejected = await client.post("/notes/with-event/rejected", json={"text": marker})
    assert rejected.status_code == 409
    async with sessionmaker() as session:
        leaked = (
            await session.execute(
                select(func.count()).select_from(outbox).where(outbox.c.body.contains(marker))
            )
        ).scalar_one()
    assert leaked == 0
    assert await count_notes(sessionmaker, notes_table, text=marker) == 0


async def test_unit_of_work_rolls_back_writes_made_in_a_savepoint(
    sessionmaker: async_sessionmaker[AsyncSession], notes_table: Table
) -> None:
    """On SQLite a SAVEPOINT issued before any other write became the outermost transaction,
    so releasing it committed: the later rollback of the unit of work kept the row."""
    marker = f"savepoint-{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError, match="abort"):
        async for session in unit_of_work(sessionmaker):
            await session.execute(text("SELECT 1"))
            async with session.begin_nested():
                await session.execute(notes_table.insert().values(id=uuid.uuid4(), text=marker))
            raise RuntimeError("abort the unit of work")
    assert await count_notes(sessionmaker, notes_table, text=marker) == 0

    # and a savepoint rolled back alone keeps the rest of the transaction
    kept, dropped = f"kept-{marker}", f"dropped-{marker}"
    async for session in unit_of_work(sessionmaker):
        await session.execute(notes_table.insert().values(id=uuid.uuid4(), text=kept))
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                await session.execute(notes_table.insert().values(id=uuid.uuid4(), text=dropped))
                raise RuntimeError("only the savepoint")
    assert await count_notes(sessionmaker, notes_table, text=kept) == 1
    assert await count_notes(sessionmaker, notes_table, text=dropped) == 0


async def test_health_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "sksample"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": True, "broker": True}}


def test_async_url_picks_the_async_driver() -> None:
    assert async_url("postgresql://u:p@h:5432/d") == "postgresql+asyncpg://u:p@h:5432/d"
    assert async_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert async_url("sqlite+aiosqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert is_sqlite_url("sqlite+aiosqlite:///x.db") and not is_sqlite_url("postgresql://h/d")
