"""Column types and business time every valueadd module uses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, BigInteger, Integer
from sqlalchemy.dialects.postgresql import JSONB

from servicekit.db import UtcDateTime

__all__ = ["BUSINESS_TZ", "SEQUENCE", "JsonDocument", "UtcDateTime", "business_day"]

#: Dates people read (validity, statement periods, business numbers) are Shanghai dates.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite; Python None is SQL NULL.
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

#: SQLite auto-increments only an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


def business_day(at: datetime) -> date:
    """The Shanghai calendar day of an aware instant."""
    return at.astimezone(BUSINESS_TZ).date()
