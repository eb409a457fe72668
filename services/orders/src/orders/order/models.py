"""Orders and their trajectory (流转轨迹). Money is stored as integer fen."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("source_service", "source_ref", name="uq_orders_source"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(16))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    source_service: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(24))
    sign_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderStatusChange(Base):
    """One step of an order's trajectory: who moved it from what to what, when and why."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str] = mapped_column(String(120))
    cause: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class OrderNumberCounter(Base):
    """Per-day counter behind human-readable order numbers (OC + yyyymmdd + 6 digits)."""

    __tablename__ = "order_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
