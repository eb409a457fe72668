"""orders's own database: its declarative base and metadata (outbox/inbox included)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from servicekit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in and out, on SQLite too (which stores a datetime without its zone).

    Binding converts to UTC first, so stored values, comparisons and keyset cursors agree on
    both databases; a naive datetime is a programming error and is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware (UTC) datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL (indexable for the analyses), JSON text on SQLite.
#: Python None is SQL NULL (not the JSON value null), so "has no extension" is `IS NULL`.
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
