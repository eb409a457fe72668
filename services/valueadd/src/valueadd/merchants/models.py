"""Merchants' service profiles (商户): an sso institution's stores, services, price list and staff.

The merchant itself is an institution in sso (no second identity store); its staff are sso
users of that institution, kept here by subject only to say who may redeem at which store.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import JsonDocument, UtcDateTime
from valueadd.db import Base


class Merchant(Base):
    __tablename__ = "va_merchants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    #: The sso institution this profile belongs to (the scope of everything the merchant sees).
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6))
    #: ServiceKind values the merchant redeems.
    services: Mapped[list[str]] = mapped_column(JsonDocument)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MerchantStore(Base):
    __tablename__ = "va_merchant_stores"
    __table_args__ = (UniqueConstraint("merchant_id", "name", name="uq_va_merchant_stores_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    #: GB/T 2260 county/city code of the store (the region rules of products match it).
    region_code: Mapped[str] = mapped_column(String(6))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MerchantStaff(Base):
    """A user of the merchant's institution who may redeem (at one store, or any)."""

    __tablename__ = "va_merchant_staff"

    subject: Mapped[str] = mapped_column(String(120), primary_key=True)
    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    store_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("va_merchant_stores.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MerchantProduct(Base):
    """The merchant may redeem this coupon product, and is paid this much per redemption."""

    __tablename__ = "va_merchant_products"

    merchant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_merchants.id"), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("va_coupon_products.id"), primary_key=True
    )
    settlement_price_fen: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
