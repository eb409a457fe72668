"""拨打记录: the privacy-number provider's call records, and the insurers' rate cards.

A record is stored once per (provider, provider session id) — providers push the same record
several times — and is priced when it arrives by the insurer's rate card in force on the
call's Shanghai day (the highest version effective by then): the first `free_seconds` cost
nothing, beyond them every started `unit_seconds` is billed at `unit_price_fen`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import UtcDateTime
from valueadd.db import Base


class RateCard(Base):
    """资费: what an insurer pays per call, versioned (a new version never rewrites an old one)."""

    __tablename__ = "va_plate_rate_cards"
    __table_args__ = (
        UniqueConstraint(
            "org_id", "insurer_org_id", "version", name="uq_va_plate_rate_cards_version"
        ),
        CheckConstraint(
            "free_seconds >= 0 AND unit_seconds > 0 AND unit_price_fen >= 0", name="terms"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    free_seconds: Mapped[int] = mapped_column(Integer)
    unit_seconds: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallRecord(Base):
    """One call through a scan's virtual number, as the provider reported it."""

    __tablename__ = "va_plate_call_records"
    __table_args__ = (
        UniqueConstraint("provider", "session_id", name="uq_va_plate_call_records_session"),
        CheckConstraint("duration_seconds >= 0 AND billable_seconds >= 0", name="seconds"),
        CheckConstraint("fee_fen >= 0", name="fee"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    provider: Mapped[str] = mapped_column(String(30))
    session_id: Mapped[str] = mapped_column(String(64))
    binding_id: Mapped[str] = mapped_column(String(64))
    plate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_plates.id"), index=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    caller_number: Mapped[str] = mapped_column(String(20))
    virtual_number: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[int] = mapped_column(Integer)
    billable_seconds: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    rate_card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("va_plate_rate_cards.id"))
    #: The period settlement that billed it (once: taken with a guarded UPDATE).
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    received_by: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


def billable(duration: int, free_seconds: int, unit_seconds: int) -> tuple[int, int]:
    """(billable seconds, units) of a call: nothing within the free seconds, else every
    started unit of the whole call."""
    if duration <= free_seconds:
        return 0, 0
    units = -(-duration // unit_seconds)
    return units * unit_seconds, units
