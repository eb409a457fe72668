"""Assessments (评估结果): each one the input snapshot, the scorecard version, every factor's
contribution, the grade and the decision. Never updated: re-assessing or overriding by hand
adds a new row that names the one before."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from risk.db import Base, JsonDocument, UtcDateTime


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("request_id", "seq"),
        Index("ix_assessments_org_assessed", "org_id", "assessed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: `<request no.>-<seq>`: what people quote.
    assessment_no: Mapped[str] = mapped_column(String(40), unique=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_requests.id"))
    seq: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    insurer_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # automatic | override
    scorecard_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    scorecard_code: Mapped[str | None] = mapped_column(String(32))
    scorecard_version: Mapped[int | None] = mapped_column(Integer)
    input_snapshot: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    hard_stops: Mapped[list[str]] = mapped_column(JsonDocument)
    review_triggers: Mapped[list[str]] = mapped_column(JsonDocument)
    total_points: Mapped[str | None] = mapped_column(String(24))
    grade: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str] = mapped_column(String(16))
    #: A manual override: the assessment it overrides, why, and what it said before.
    overrides_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(Text)
    grade_before: Mapped[str | None] = mapped_column(String(8))
    decision_before: Mapped[str | None] = mapped_column(String(16))
    assessed_by: Mapped[str] = mapped_column(String(120))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime)
