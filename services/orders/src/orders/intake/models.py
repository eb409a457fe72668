"""Every order request received, with what the order center made of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from orders.db import Base, UtcDateTime
from shared_schemas import uuid7


class RequestOutcome(StrEnum):
    """What became of an order request."""

    created = "created"  # the order was made from it
    repeated = "repeated"  # same source reference and content as an earlier order: that one
    rejected = "rejected"  # the order center could not accept it; no order
    conflict = "conflict"  # its source reference already made an order with other content


class OrderRequest(Base):
    """One received `<service>.order_request.submitted` event (a redelivery of the same event
    is dropped by the inbox; a repeated request is a row of its own)."""

    __tablename__ = "order_requests"
    __table_args__ = (
        # The rejected (or conflicting) requests of an institution, newest first.
        Index("ix_order_requests_outcome_org_received", "outcome", "customer_org_id",
              "received_at", "id"),
        Index("ix_order_requests_source", "source_service", "source_ref"),
    )  # fmt: skip

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    source_service: Mapped[str] = mapped_column(String(40))
    source_ref: Mapped[str] = mapped_column(String(120))
    source_no: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(16))
    customer_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    requested_by: Mapped[str] = mapped_column(String(120))
    #: When the source service asked (the event's occurred_at) and when orders handled it.
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    #: The order it made or matched (created, repeated, conflict: the earlier order).
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    order_no: Mapped[str | None] = mapped_column(String(32))
    #: Why it was not accepted (rejected, conflict): a stable problem code and the text.
    code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
