"""gateway's own database: its declarative base and metadata (outbox/inbox included)."""

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase

from servicekit.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def utcnow() -> datetime:
    return datetime.now(UTC)
