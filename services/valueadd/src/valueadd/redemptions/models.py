"""Redemptions (核销记录): one per coupon, with where, when, by whom and at what price."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import JsonDocument, UtcDateTime
from valueadd.db import Base


class Redemption(Base):
    __tablename__ = "va_redemptions"
    __table_args__ = (
        # The client's idempotency key is the merchant's: a retried request finds its first answer.
        UniqueConstraint("merchant_id", "idempotency_key", name="uq_va_redemptions_idempotency"),
        Index("ix_va_redemptions_merchant_org_at", "merchant_org_id", "redeemed_at"),
        Index("ix_va_redemptions_merchant_at", "merchant_id", "redeemed_at"),
        Index("ix_va_redemptions_statement", "statement_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    #: HX + the coupon's code: one redemption per coupon, so the number needs no counter.
    redemption_no: Mapped[str] = mapped_column(String(16), unique=True)
    #: Unique: a coupon is redeemed at most once (the conditional UPDATE's second guard).
    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupons.id"), unique=True)
    coupon_code: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_coupon_products.id"))
    product_code: Mapped[str] = mapped_column(String(40))
    product_name: Mapped[str] = mapped_column(String(100))
    batch_kind: Mapped[str] = mapped_column(String(20))
    billed_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchants.id"))
    merchant_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    merchant_name: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchant_stores.id"))
    store_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    staff_subject: Mapped[str] = mapped_column(String(120))
    staff_name: Mapped[str] = mapped_column(String(80))
    redeemed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    car_model: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))
    #: Prices at the moment of redemption (fen): what we owe the merchant, what the insurer owes.
    settlement_price_fen: Mapped[int] = mapped_column(BigInteger)
    insurer_price_fen: Mapped[int] = mapped_column(BigInteger)
    face_value_fen: Mapped[int] = mapped_column(BigInteger)
    statement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
