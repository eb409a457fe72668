"""sso's own database: its declarative base and metadata (outbox/inbox included), and the column
types every module shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import UtcDateTime, new_metadata

__all__ = ["Base", "JsonDocument", "UtcDateTime", "utcnow"]


class Base(DeclarativeBase):
    metadata = new_metadata()


#: JSON documents (audit before/after, import rows): JSONB on PostgreSQL, JSON text on SQLite.
JsonDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)
