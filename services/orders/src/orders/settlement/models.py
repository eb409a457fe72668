"""Settlement lists (结算清单): closed deals (成交) billed together in one receivable order."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, UtcDateTime


class SettlementList(Base):
    __tablename__ = "settlement_lists"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: "SL" + the billing order's number without its "OC": unique because that one is.
    list_no: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    category: Mapped[str] = mapped_column(String(40))
    sign_date_from: Mapped[date] = mapped_column(Date)
    sign_date_to: Mapped[date] = mapped_column(Date)
    order_count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SettlementListItem(Base):
    """A deal on a list; unique: an order is billed by one list only."""

    __tablename__ = "settlement_list_items"

    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("settlement_lists.id"), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id"), primary_key=True, unique=True
    )
