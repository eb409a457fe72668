"""Writing events into the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from servicekit.db import insert_rows
from servicekit.messaging.tables import MessagingTables

#: Session.info keys: the relay's wake-up callback, set on the sessionmaker, and a pending flag.
WAKE_KEY = "servicekit.outbox_wake"
_PENDING_KEY = "servicekit.outbox_pending"


class OutgoingEvent(Protocol):
    """What the outbox needs of an event envelope (shared_schemas.EventEnvelope fits)."""

    event_id: UUID
    event_type: str
    aggregate_id: str

    def model_dump_json(self) -> str: ...


class Outbox:
    """Adds events to the outbox table in the same transaction as the business change."""

    def __init__(self, tables: MessagingTables, topic_for: Callable[[str], str]) -> None:
        self._table = tables.outbox
        self._topic_for = topic_for

    async def add(self, session: AsyncSession, *events: OutgoingEvent) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        await insert_rows(
            session,
            self._table,
            [
                {
                    "event_id": e.event_id,
                    "topic": self._topic_for(e.event_type),
                    "message_key": e.aggregate_id,
                    "event_type": e.event_type,
                    "body": e.model_dump_json(),
                    "created_at": now,
                    "attempts": 0,
                }
                for e in events
            ],
        )
        session.info[_PENDING_KEY] = True


@event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session: Session) -> None:
    # Publishing right after the commit keeps latency low; polling is only the fallback.
    if session.info.pop(_PENDING_KEY, False):
        wake: Any = session.info.get(WAKE_KEY)
        if wake is not None:
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_pending_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
