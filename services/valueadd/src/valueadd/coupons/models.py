"""Coupon products (卡券产品), insurer issue rules (保司发券规则), batches and coupons with their trail.

Money is integer fen. A coupon's life is one explicit table (`TRANSITIONS`): issued →
redeemed → settled, or issued → expired / voided; every step is a `CouponStatusChange`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import InsuranceLine, uuid7
from valueadd.common.types import SEQUENCE, JsonDocument, UtcDateTime
from valueadd.db import Base


class ServiceKind(StrEnum):
    """The service a coupon is good for (服务项目)."""

    wash = "wash"  # 洗车
    designated_driving = "designated_driving"  # 代驾
    maintenance = "maintenance"  # 保养
    inspection = "inspection"  # 年检代办
    rescue = "rescue"  # 道路救援
    other = "other"  # 其他


class ValidityKind(StrEnum):
    fixed = "fixed"  # 固定有效期
    days_after_issue = "days_after_issue"  # 发券后N天


class BatchKind(StrEnum):
    insurer = "insurer"  # 保司发券
    self_issued = "self_issued"  # 自主发券


class CouponStatus(StrEnum):
    issued = "issued"  # 已发放
    redeemed = "redeemed"  # 已核销
    settled = "settled"  # 已结算
    expired = "expired"  # 已过期
    voided = "voided"  # 已作废


#: The only steps a coupon may take; everything that moves a coupon checks this table.
TRANSITIONS: dict[CouponStatus, frozenset[CouponStatus]] = {
    CouponStatus.issued: frozenset(
        {CouponStatus.redeemed, CouponStatus.expired, CouponStatus.voided}
    ),
    CouponStatus.redeemed: frozenset({CouponStatus.settled}),
    CouponStatus.settled: frozenset(),
    CouponStatus.expired: frozenset(),
    CouponStatus.voided: frozenset(),
}


def may_move(source: CouponStatus, target: CouponStatus) -> bool:
    return target in TRANSITIONS[source]


class CouponProduct(Base):
    __tablename__ = "va_coupon_products"
    __table_args__ = (
        CheckConstraint(
            "face_value_fen >= 0 AND insurer_price_fen >= 0 AND settlement_price_fen >= 0",
            name="prices_not_negative",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(30))
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    #: What the insurer pays us per redeemed coupon (insurer-issued coupons).
    insurer_price_fen: Mapped[int] = mapped_column(BigInteger)
    #: What we pay the merchant per redemption unless the merchant's price list says otherwise.
    settlement_price_fen: Mapped[int] = mapped_column(BigInteger)
    validity_kind: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    #: Usage rules: GB/T 2260 region codes (a province code covers its cities; empty: anywhere)
    #: and car models (empty: any).
    region_codes: Mapped[list[str]] = mapped_column(JsonDocument)
    car_models: Mapped[list[str]] = mapped_column(JsonDocument)
    owner_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IssueRule(Base):
    """保司发券规则: each policy of this insurer × line (× insurance product) gets N coupons."""

    __tablename__ = "va_issue_rules"
    __table_args__ = (
        UniqueConstraint(
            "insurer_code",
            "line",
            "insurance_product_code",
            "product_id",
            name="uq_va_issue_rules_key",
        ),
        CheckConstraint("quantity_per_policy >= 1", name="quantity_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    insurer_code: Mapped[str] = mapped_column(String(40), index=True)
    insurer_name: Mapped[str | None] = mapped_column(String(100))
    line: Mapped[str] = mapped_column(String(30))
    #: The insurer's product code; "" matches every product of the line.
    insurance_product_code: Mapped[str] = mapped_column(String(60), default="")
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupon_products.id"))
    quantity_per_policy: Mapped[int] = mapped_column(Integer)
    #: The institution the coupons' settlement (value_added_settlement order) is with.
    billed_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CouponBatch(Base):
    __tablename__ = "va_coupon_batches"
    __table_args__ = (
        CheckConstraint("issued_count >= 0 AND issued_count <= quantity", name="within_quantity"),
        Index("ix_va_coupon_batches_owner_created", "owner_org_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    batch_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupon_products.id"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("va_issue_rules.id"))
    policy_id: Mapped[str | None] = mapped_column(String(64))
    policy_no: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Makes issuing from an event idempotent: policy:<policy id>:rule:<rule id>.
    source_ref: Mapped[str | None] = mapped_column(String(160), unique=True)
    quantity: Mapped[int] = mapped_column(Integer)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    owner_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    billed_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Coupon(Base):
    __tablename__ = "va_coupons"
    __table_args__ = (
        Index("ix_va_coupons_batch", "batch_id"),
        Index("ix_va_coupons_holder_ref", "holder_ref"),
        Index("ix_va_coupons_policy_no", "policy_no"),
        Index("ix_va_coupons_owner_issued", "owner_org_id", "issued_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    #: 12 characters of Crockford base32 from `secrets` (60 bits): unguessable, typed by people.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupon_batches.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupon_products.id"))
    batch_kind: Mapped[str] = mapped_column(String(20))
    owner_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    billed_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    holder_ref: Mapped[str | None] = mapped_column(String(120))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    holder_mobile_masked: Mapped[str | None] = mapped_column(String(20))
    plate_no: Mapped[str | None] = mapped_column(String(16))
    vin: Mapped[str | None] = mapped_column(String(17))
    policy_no: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CouponStatusChange(Base):
    """The coupon's trail: who moved it from what to what, when, why."""

    __tablename__ = "va_coupon_status_changes"

    id: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=True)
    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupons.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(200))


def trail_row(
    coupon_id: uuid.UUID, source: str | None, target: str, at: datetime, by: str, note: str | None
) -> dict[str, Any]:
    return {
        "coupon_id": coupon_id,
        "from_status": source,
        "to_status": target,
        "at": at,
        "by": by,
        "note": note,
    }


__all__ = ["InsuranceLine"]  # re-exported: the rules and batches speak insurance's lines
