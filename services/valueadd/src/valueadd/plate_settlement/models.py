"""挪车牌结算: the settlement mode per insurer contract (versioned) and the period settlements.

单独结算 separate: each purchase asks for its `plate_purchase` order when it is recorded; a
period's call records ask for one `plate_call_fee` order. 合并结算 combined: a purchase is only
recorded; at period end one `plate_combined_settlement` order covers the period's purchases
and call records. The mode is the contract version's in force on the purchase's (or the
period end's) Shanghai day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared_schemas import uuid7
from valueadd.common.types import UtcDateTime
from valueadd.db import Base


class SettlementMode(StrEnum):
    separate = "separate"  # 单独结算
    combined = "combined"  # 合并结算


class PlateContract(Base):
    """An insurer's plate contract with the maker: its settlement mode from a day on."""

    __tablename__ = "va_plate_contracts"
    __table_args__ = (
        UniqueConstraint(
            "org_id", "insurer_org_id", "version", name="uq_va_plate_contracts_version"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlateSettlement(Base):
    """One period's settlement with an insurer, and the order it asked for."""

    __tablename__ = "va_plate_settlements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    settlement_no: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    insurer_name: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(20))
    contract_version: Mapped[int] = mapped_column(Integer)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(40))
    purchase_count: Mapped[int] = mapped_column(Integer)
    purchase_fen: Mapped[int] = mapped_column(BigInteger)
    call_count: Mapped[int] = mapped_column(Integer)
    call_fee_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
