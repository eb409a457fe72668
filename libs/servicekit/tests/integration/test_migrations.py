"""`upgrade_to_head` gives the same outbox/inbox schema on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from servicekit.db import create_engine
from servicekit.definition import ServiceDefinition
from servicekit.migrations import upgrade_to_head
from servicekit.testing.plugin import ThrowawayPostgres, unavailable

TABLES = ("outbox_messages", "inbox_messages")


def kind(column_type: Any) -> str:
    """A backend-neutral name for a reflected column type."""
    if isinstance(column_type, sa.Uuid) or (
        isinstance(column_type, sa.CHAR) and column_type.length == 32  # Uuid on SQLite
    ):
        return "uuid"
    if isinstance(column_type, sa.Integer):
        return "int"
    if isinstance(column_type, sa.Text) or (
        isinstance(column_type, sa.String) and not column_type.length
    ):
        return "text"
    if isinstance(column_type, sa.String):
        return f"str({column_type.length})"
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    return type(column_type).__name__


def describe(conn: Connection) -> dict[str, Any]:
    insp = inspect(conn)
    shape: dict[str, Any] = {}
    for table in TABLES:
        shape[table] = {
            "columns": {
                c["name"]: (kind(c["type"]), c["nullable"]) for c in insp.get_columns(table)
            },
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            # PostgreSQL also lists the index behind a unique constraint; SQLite does not.
            "indexes": sorted(
                i["name"]
                for i in insp.get_indexes(table)
                if i["name"] and "duplicates_constraint" not in i
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        }
    return shape


async def shape_of(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            shape = await conn.run_sync(describe)
            version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).all()
        shape["alembic_version"] = [v for (v,) in version]
        return shape
    finally:
        await engine.dispose()


async def test_migrated_tables_match_the_runtime_table_definitions(
    database_url: str, service_definition: ServiceDefinition
) -> None:
    shape = await shape_of(database_url)
    assert shape["alembic_version"] == ["sksample_0001"]
    for table in (
        service_definition.messaging_tables.outbox,
        service_definition.messaging_tables.inbox,
    ):
        migrated = shape[table.name]
        assert set(migrated["columns"]) == {c.name for c in table.columns}
        for column in table.columns:
            assert migrated["columns"][column.name][1] == column.nullable, column.name
        assert migrated["pk"] == [c.name for c in table.primary_key.columns]
    assert shape["outbox_messages"]["unique"] == [("event_id",)]
    assert shape["outbox_messages"]["indexes"] == [
        "ix_outbox_messages_published_at",
        "ix_outbox_messages_unpublished",
    ]


async def test_sqlite_and_postgresql_get_identical_messaging_tables(
    service_definition: ServiceDefinition, tmp_path: Path
) -> None:
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(upgrade_to_head, service_definition.migrations_dir, sqlite_url)
    # Running it again is a no-op.
    await asyncio.to_thread(upgrade_to_head, service_definition.migrations_dir, sqlite_url)
    pg = ThrowawayPostgres("skmig")
    try:
        await pg.create()
    except Exception as exc:
        unavailable(f"PostgreSQL ({exc!r})")
    try:
        await asyncio.to_thread(upgrade_to_head, service_definition.migrations_dir, pg.url)
        on_sqlite, on_postgres = await shape_of(sqlite_url), await shape_of(pg.url)
    finally:
        await pg.drop()
    assert on_sqlite == on_postgres
    assert on_sqlite["outbox_messages"]["columns"] == {
        "id": ("int", False),
        "event_id": ("uuid", False),
        "topic": ("str(200)", False),
        "message_key": ("str(200)", False),
        "event_type": ("str(200)", False),
        "body": ("text", False),
        "created_at": ("datetime", False),
        "published_at": ("datetime", True),
        "attempts": ("int", False),
        "last_error": ("text", True),
    }
    assert on_sqlite["inbox_messages"]["columns"] == {
        "consumer_group": ("str(200)", False),
        "event_id": ("uuid", False),
        "topic": ("str(200)", False),
        "event_type": ("str(200)", False),
        "partition": ("int", False),
        "offset": ("int", False),
        "processed_at": ("datetime", False),
    }
    assert on_sqlite["inbox_messages"]["pk"] == ["consumer_group", "event_id"]
    assert on_sqlite["outbox_messages"]["unique"] == [("event_id",)]
