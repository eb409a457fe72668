"""Assessment requests (评估单): the vehicle, insurer, applicant institution, promoters with
their explicit shares, the inspection facts (验车), and the request's trajectory."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from risk.db import Base, JsonDocument, UtcDateTime


class AssessmentRequest(Base):
    __tablename__ = "assessment_requests"
    __table_args__ = (
        # The caller's reference makes REST and import idempotent within its institution.
        UniqueConstraint("org_id", "caller_ref"),
        Index("ix_assessment_requests_org_created", "org_id", "created_at"),
        Index("ix_assessment_requests_insurer", "insurer_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    request_no: Mapped[str] = mapped_column(String(32), unique=True)
    #: The applicant institution (申请机构): every read and write is scoped by it.
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    org_name: Mapped[str | None] = mapped_column(String(120))
    caller_ref: Mapped[str | None] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))  # api | import | console
    insurer_code: Mapped[str] = mapped_column(String(32))
    insurer_name: Mapped[str] = mapped_column(String(80))
    vin: Mapped[str] = mapped_column(String(17), index=True)
    plate_no: Mapped[str | None] = mapped_column(String(16), index=True)
    register_date: Mapped[date] = mapped_column(Date)
    use_nature: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(String(6))
    #: What the VIN itself says (vininfo): manufacturer, country, model years, checksum.
    vehicle_info: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    inspection_form_version: Mapped[str] = mapped_column(String(16))
    inspection: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    status: Mapped[str] = mapped_column(String(16))
    latest_assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    latest_grade: Mapped[str | None] = mapped_column(String(8))
    latest_decision: Mapped[str | None] = mapped_column(String(16))
    #: Who confirmed the payee split, and when (the split is never implied).
    payees_confirmed_by: Mapped[str | None] = mapped_column(String(120))
    payees_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    payees: Mapped[list[RequestPayee]] = relationship(
        lazy="selectin", order_by="RequestPayee.position", cascade="all, delete-orphan"
    )
    changes: Mapped[list[RequestStatusChange]] = relationship(
        lazy="selectin", order_by="RequestStatusChange.seq", cascade="all, delete-orphan"
    )


class RequestPayee(Base):
    """A promoter (业务员) paid for the request, by sso subject, with an explicit share."""

    __tablename__ = "request_payees"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_requests.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(80))
    #: Share in basis points of the promoter fee (10000 = 100 %); a request's shares sum to 10000.
    share_bp: Mapped[int] = mapped_column(Integer)


class RequestStatusChange(Base):
    """One step of the request's trajectory (流转轨迹)."""

    __tablename__ = "request_status_changes"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessment_requests.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)
