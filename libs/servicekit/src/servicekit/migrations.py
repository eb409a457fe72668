"""Alembic glue shared by every service: the env.py body, upgrade-to-head, messaging DDL.

Each service's `migrations/env.py` is two lines calling `run_env`; migrations run the same on
PostgreSQL and SQLite (batch mode on SQLite, where ALTER TABLE is limited).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.db import async_url, is_sqlite_url

URL_ATTRIBUTE = "servicekit.database_url"


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.attributes[URL_ATTRIBUTE] = database_url
    return cfg


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Blocking; from async code call it through `asyncio.to_thread`."""
    command.upgrade(alembic_config(migrations_dir, database_url), "heads")


def run_env(target_metadata: MetaData, default_url: str) -> None:
    """Body of a service's migrations/env.py."""
    url = context.config.attributes.get(URL_ATTRIBUTE) or default_url
    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=target_metadata,
            literal_binds=True,
            render_as_batch=is_sqlite_url(url),
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, target_metadata))


async def _run_async(url: str, target_metadata: MetaData) -> None:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run_sync, target_metadata, is_sqlite_url(url))
    await engine.dispose()


def _run_sync(conn: Connection, target_metadata: MetaData, sqlite: bool) -> None:
    context.configure(
        connection=conn,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables_v1() -> None:
    """Outbox and inbox tables as of version 1 (frozen: later changes get new helpers)."""
    op.create_table(
        "outbox_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("event_id", name="uq_outbox_messages_event_id"),
    )
    op.create_index(
        "ix_outbox_messages_unpublished",
        "outbox_messages",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_index("ix_outbox_messages_published_at", "outbox_messages", ["published_at"])
    op.create_table(
        "inbox_messages",
        sa.Column("consumer_group", sa.String(200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox_messages"),
    )


def drop_messaging_tables_v1() -> None:
    op.drop_table("inbox_messages")
    op.drop_index("ix_outbox_messages_published_at", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_unpublished", table_name="outbox_messages")
    op.drop_table("outbox_messages")
