"""智能挪车牌: batches of plates with unguessable QR tokens, the plate's life, purchases.

A plate's life is one explicit table (`TRANSITIONS`): in stock → assigned to a promoter
(分配挪车牌) → purchased by an insurer (保司采购) → distributed to the insurer's customer (分发)
→ bound to a vehicle (绑定) → active ⇄ paused; from purchased on it may be reported lost.
Every step is a `PlateStatusChange` row (who, when, why).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import SEQUENCE, UtcDateTime
from valueadd.db import Base


class PlateStatus(StrEnum):
    in_stock = "in_stock"  # 在库
    assigned = "assigned"  # 已分配业务员
    purchased = "purchased"  # 保司已采购
    distributed = "distributed"  # 已分发
    bound = "bound"  # 已绑定车辆
    active = "active"  # 使用中
    paused = "paused"  # 已暂停
    lost = "lost"  # 已挂失


TRANSITIONS: dict[PlateStatus, frozenset[PlateStatus]] = {
    PlateStatus.in_stock: frozenset({PlateStatus.assigned}),
    PlateStatus.assigned: frozenset({PlateStatus.purchased}),
    PlateStatus.purchased: frozenset({PlateStatus.distributed, PlateStatus.lost}),
    PlateStatus.distributed: frozenset({PlateStatus.bound, PlateStatus.lost}),
    PlateStatus.bound: frozenset({PlateStatus.active, PlateStatus.lost}),
    PlateStatus.active: frozenset({PlateStatus.paused, PlateStatus.lost}),
    PlateStatus.paused: frozenset({PlateStatus.active, PlateStatus.lost}),
    PlateStatus.lost: frozenset(),
}

#: The states a plate reaches through `POST /v1/plates/{plate_no}/status`; the others have
#: their own step (assign, purchase, distribute, bind) carrying that step's data.
SETTABLE = frozenset({PlateStatus.active, PlateStatus.paused, PlateStatus.lost})


def may_move(source: PlateStatus, target: PlateStatus) -> bool:
    return target in TRANSITIONS[source]


def sources_of(target: PlateStatus) -> frozenset[PlateStatus]:
    """Every state a plate may reach `target` from (read off the table)."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


class PlateBatch(Base):
    """一批挪车牌: made at once by the service provider, every plate in stock."""

    __tablename__ = "va_plate_batches"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    batch_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlatePurchase(Base):
    """保司采购: an insurer bought these plates (the settlement modes price it later)."""

    __tablename__ = "va_plate_purchases"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_price_fen >= 0 AND amount_fen >= 0", name="money"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    purchase_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    #: The contract's mode on the purchase day (None: no contract yet — settled as combined).
    settlement_mode: Mapped[str | None] = mapped_column(String(20))
    #: The combined settlement that billed it (separate purchases have their own order).
    settlement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Plate(Base):
    """挪车牌: its business number, the QR token printed on it, where it is in its life."""

    __tablename__ = "va_plates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    plate_no: Mapped[str] = mapped_column(String(32), unique=True)
    #: 128 random bits (`secrets`), URL-safe: what the QR code carries; never enumerable.
    qr_token: Mapped[str] = mapped_column(String(32), unique=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_plate_batches.id"), index=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    promoter_subject: Mapped[str | None] = mapped_column(String(120), index=True)
    promoter_name: Mapped[str | None] = mapped_column(String(100))
    insurer_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("va_plate_purchases.id"))
    customer_ref: Mapped[str | None] = mapped_column(String(120))
    customer_name: Mapped[str | None] = mapped_column(String(100))
    vehicle_plate_no: Mapped[str | None] = mapped_column(String(16))
    #: The owner's number (up to 15 digits, E.164 with "+"): only the privacy provider sees it.
    owner_mobile: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlateStatusChange(Base):
    """The plate's trail: who moved it from what to what, when, why."""

    __tablename__ = "va_plate_status_changes"

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    plate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_plates.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(String(200))


class PrivacyBinding(Base):
    """号码隐私保护: one scan's AXB binding — the caller (A) reaches the owner (B) through the
    virtual number (X) until it expires. The owner's number is never stored here."""

    __tablename__ = "va_plate_privacy_bindings"
    __table_args__ = (
        UniqueConstraint("provider", "binding_id", name="uq_va_plate_privacy_bindings_binding"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    binding_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(30))
    plate_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_plates.id"), index=True)
    insurer_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    caller_number: Mapped[str] = mapped_column(String(20))
    virtual_number: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
