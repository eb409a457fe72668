"""insurance's own database: its declarative base and metadata (outbox/inbox included)."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import UtcDateTime, new_metadata

__all__ = ["Base", "JsonDocument", "UtcDateTime"]


class Base(DeclarativeBase):
    metadata = new_metadata()


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite; Python None is SQL NULL.
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
