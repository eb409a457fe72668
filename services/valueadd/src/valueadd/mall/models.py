"""商城: products (SPU) with their SKUs (price / market price / cost in fen, stock), mall orders.

Stock only moves through one guarded UPDATE (`stock >= n`), and the table refuses a negative
stock besides. A mall order's payment state is one explicit table (`TRANSITIONS`):
pending_payment → paid, or pending_payment → payment_failed (its stock released).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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


class PaymentState(StrEnum):
    pending_payment = "pending_payment"  # 待支付
    paid = "paid"  # 已支付
    payment_failed = "payment_failed"  # 支付失败


TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.pending_payment: frozenset({PaymentState.paid, PaymentState.payment_failed}),
    PaymentState.paid: frozenset(),
    PaymentState.payment_failed: frozenset(),
}


class MallProduct(Base):
    """SPU (商品): what the mall sells, e.g. 精致洗车套餐."""

    __tablename__ = "va_mall_products"
    __table_args__ = (UniqueConstraint("org_id", "code", name="uq_va_mall_products_code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MallSku(Base):
    """SKU (规格): one sellable variant with its prices and stock."""

    __tablename__ = "va_mall_skus"
    __table_args__ = (
        UniqueConstraint("org_id", "sku_code", name="uq_va_mall_skus_code"),
        CheckConstraint("stock >= 0", name="stock"),
        CheckConstraint(
            "price_fen >= 0 AND market_price_fen >= 0 AND cost_fen >= 0",
            name="money",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_mall_products.id"), index=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sku_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    market_price_fen: Mapped[int] = mapped_column(BigInteger)
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MallOrder(Base):
    """商城订单: a buyer's order of one SKU; the channel's payment result recorded once."""

    __tablename__ = "va_mall_orders"
    __table_args__ = (
        UniqueConstraint("payment_channel", "payment_txn_no", name="uq_va_mall_orders_txn"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("va_mall_skus.id"))
    product_name: Mapped[str] = mapped_column(String(100))
    sku_name: Mapped[str] = mapped_column(String(100))
    sku_code: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    buyer_ref: Mapped[str] = mapped_column(String(120))
    buyer_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    payment_channel: Mapped[str | None] = mapped_column(String(30))
    payment_txn_no: Mapped[str | None] = mapped_column(String(64))
    payment_recorded_by: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
