"""sso's own database: its declarative base and metadata (outbox/inbox included), and the column
types every module shares."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import UtcDateTime, new_metadata

__all__ = ["Base", "JsonDocument", "UtcDateTime", "database_of", "utcnow"]


class Base(DeclarativeBase):
    metadata = new_metadata()


#: JSON documents (audit before/after, import rows): JSONB on PostgreSQL, JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def database_of(session: AsyncSession) -> str:
    """Which database a session talks to: process-wide caches are kept per database (one
    process may serve several — the tests do)."""
    bind: Any = session.bind  # an engine, or a connection naming its engine
    if bind is None:
        return ""
    engine = getattr(bind, "engine", bind)
    name = _DATABASES.get(engine)
    if name is None:  # rendering the URL costs more than the cache lookups it keys
        name = _DATABASES[engine] = str(engine.url)
    return name


_DATABASES: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
