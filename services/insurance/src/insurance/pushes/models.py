"""Push rules (versioned data), receiving institutions, push tasks and push records.

A push record is one vehicle line (a vehicle's 商业险 or 交强险 expiry) sent to one receiving
institution; its idempotency key (vehicle × line × expiry × institution) is unique, so a re-run
or an overlapping run never pushes the same renewal twice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from insurance.db import Base, UtcDateTime
from shared_schemas import uuid7


class PushReceiver(Base):
    """An institution that may receive pushes (推送接收机构): active and capacity set here,
    the insurance entitlement learnt from sso (`sso.entitlement.changed`)."""

    __tablename__ = "push_receivers"

    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    #: Whether the institution holds the insurance entry (sso); False until sso says so.
    entitled: Mapped[bool] = mapped_column(Boolean)
    entitlement_version: Mapped[int] = mapped_column(Integer, default=0)
    #: At most this many vehicle lines per push run (None: no limit).
    capacity_per_run: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))


class PushRule(Base):
    """(region, insurer, line) → renewal window and receiving institution. Editing a rule
    adds a version; the newest version of each code is the one in force."""

    __tablename__ = "push_rules"
    __table_args__ = (UniqueConstraint("rule_code", "version", name="uq_push_rules_code_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    rule_code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    #: GB/T 2260 prefix the vehicle's own region must start with: 44, 4403 or 440305.
    region_prefix: Mapped[str] = mapped_column(String(6))
    insurer_code: Mapped[str | None] = mapped_column(String(32))  # None: any insurer
    line: Mapped[str] = mapped_column(String(16))
    #: The window: from `open_days` before the expiry until `close_days` before it.
    open_days: Mapped[int] = mapped_column(Integer)
    close_days: Mapped[int] = mapped_column(Integer)
    receiver_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class PushTask(Base):
    """One push run (推送任务): on a schedule or on demand, as of a day."""

    __tablename__ = "push_tasks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    task_no: Mapped[str] = mapped_column(String(24), unique=True)
    trigger: Mapped[str] = mapped_column(String(16))  # scheduled | on_demand
    as_of: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))  # done
    selected: Mapped[int] = mapped_column(Integer)  # vehicle lines inside a window
    pushed: Mapped[int] = mapped_column(Integer)
    already_pushed: Mapped[int] = mapped_column(Integer)
    no_receiver: Mapped[int] = mapped_column(Integer)
    proposals: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(String(120))


class PushRecord(Base):
    """推送记录: rule and version, time, receiving institution, and the proposal it made."""

    __tablename__ = "push_records"
    __table_args__ = (
        Index("ix_push_records_receiver_pushed_at", "receiver_org_id", "pushed_at"),
        Index("ix_push_records_vehicle_line", "vehicle_id", "line"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("push_tasks.id"), index=True)
    #: One customer's vehicles for one institution in one task travel as one bundle (推送包).
    bundle_key: Mapped[str] = mapped_column(String(120), index=True)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id"))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"))
    source_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the institution that collected it
    line: Mapped[str] = mapped_column(String(16))
    expiry_date: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(6))
    insurer_code: Mapped[str | None] = mapped_column(String(32))
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("push_rules.id"))
    rule_code: Mapped[str] = mapped_column(String(40))
    rule_version: Mapped[int] = mapped_column(Integer)
    receiver_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals.id"), index=True)
    pushed_at: Mapped[datetime] = mapped_column(UtcDateTime)
