"""Outbox and inbox tables, added to each service's own metadata (each service owns its DB)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

#: SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table

    @classmethod
    def define(cls, metadata: MetaData) -> MessagingTables:
        outbox = Table(
            "outbox_messages",
            metadata,
            # The sequence gives the relay the commit order, hence per-aggregate order.
            Column("id", _SEQ, primary_key=True, autoincrement=True),
            Column("event_id", Uuid, nullable=False, unique=True),
            Column("topic", String(200), nullable=False),
            Column("message_key", String(200), nullable=False),
            Column("event_type", String(200), nullable=False),
            Column("body", Text, nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("published_at", DateTime(timezone=True), nullable=True),
            Column("attempts", Integer, nullable=False, default=0),
            Column("last_error", Text, nullable=True),
        )
        Index(
            "ix_outbox_messages_unpublished",
            outbox.c.id,
            postgresql_where=outbox.c.published_at.is_(None),
            sqlite_where=outbox.c.published_at.is_(None),
        )
        Index("ix_outbox_messages_published_at", outbox.c.published_at)
        inbox = Table(
            "inbox_messages",
            metadata,
            Column("consumer_group", String(200), nullable=False),
            Column("event_id", Uuid, nullable=False),
            Column("topic", String(200), nullable=False),
            Column("event_type", String(200), nullable=False),
            Column("partition", Integer, nullable=False),
            Column("offset", BigInteger, nullable=False),
            Column("processed_at", DateTime(timezone=True), nullable=False),
            PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox_messages"),
        )
        return cls(outbox=outbox, inbox=inbox)
