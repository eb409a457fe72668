"""Proposals (投保单) with their lines and trajectory, and policies (保单).

A proposal or policy is a product line (险种: 商业险, 交强险, 非车险, 寿险) with line items
(`items`: cover code, name, sum insured and premium in fen; no fixed column per cover). A car
proposal carries 商业险 and 交强险 as two lines, each with its own period, and each becomes its
own policy with its own renewal chain (`renews_policy_id`). Money is integer fen.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from insurance.db import Base, JsonDocument, UtcDateTime
from shared_schemas import uuid7


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_org_status_created", "org_id", "status", "created_at"),
        Index("ix_proposals_vehicle_id", "vehicle_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    proposal_no: Mapped[str] = mapped_column(String(24), unique=True)
    #: The institution that works the proposal (for a pushed one: the receiving institution).
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    insurer_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    unconverted_reason: Mapped[str | None] = mapped_column(String(32))
    #: manual | push | import (an insurer account's proposals, captured for real conversion)
    source: Mapped[str] = mapped_column(String(16))
    #: The insurer system's own number for an imported proposal (unique per insurer).
    external_no: Mapped[str | None] = mapped_column(String(64))
    promoter_subject: Mapped[str | None] = mapped_column(String(64))
    premium_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class ProposalLine(Base):
    __tablename__ = "proposal_lines"
    __table_args__ = (UniqueConstraint("proposal_id", "line", name="uq_proposal_lines_line"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id"), index=True)
    line: Mapped[str] = mapped_column(String(16))
    product_code: Mapped[str | None] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: [{cover_code, cover_name, sum_insured_fen, premium_fen}] as quoted; [] before a quote.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    premium_fen: Mapped[int | None] = mapped_column(BigInteger)  # = sum of the items' premiums
    policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ProposalStep(Base):
    """One step of a proposal's trajectory (轨迹): who moved it, when, from, to, why."""

    __tablename__ = "proposal_steps"
    __table_args__ = (Index("ix_proposal_steps_proposal_seq", "proposal_id", "seq", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    by: Mapped[str] = mapped_column(String(120))
    by_name: Mapped[str | None] = mapped_column(String(200))


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        UniqueConstraint("insurer_code", "policy_no", name="uq_policies_insurer_policy_no"),
        Index("ix_policies_org_sign_date", "org_id", "sign_date"),
        Index("ix_policies_vehicle_line", "vehicle_id", "line"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    policy_no: Mapped[str] = mapped_column(String(64), index=True)
    insurer_code: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    line: Mapped[str] = mapped_column(String(16))
    product_code: Mapped[str | None] = mapped_column(String(64))
    proposal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("proposals.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vehicles.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))
    sign_date: Mapped[date] = mapped_column(Date)  # 签单日期
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    premium_fen: Mapped[int] = mapped_column(BigInteger)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    promoter_subject: Mapped[str | None] = mapped_column(String(64))
    #: The policy of the same vehicle and line this one renews (续保链).
    renews_policy_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: issued (through a proposal here) | recorded (downloaded or imported from an insurer)
    source: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[str] = mapped_column(String(120))
