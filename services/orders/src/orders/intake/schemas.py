"""Bodies of the order-request API (what the order center made of each request)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orders.intake.models import RequestOutcome
from orders.order.schemas import PageCursor
from shared_schemas import AmountCNY, OrderCategory, OrderDirection


class OrderRequestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[RequestOutcome] = Field(
        default_factory=list, description="Any of these outcomes (rejected, conflict, …)."
    )
    source_service: str | None = Field(default=None, max_length=40)
    source_ref: str | None = Field(default=None, max_length=120)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, description="next_cursor of the previous page.")

    @field_validator("cursor")
    @classmethod
    def _decodable(cls, value: str | None) -> str | None:
        if value is not None:
            PageCursor.decode(value)
        return value


class OrderRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    source_service: str
    source_ref: str
    source_no: str | None
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: uuid.UUID
    amount: AmountCNY
    requested_by: str
    requested_at: datetime
    received_at: datetime
    status: RequestOutcome = Field(description="created, repeated, rejected or conflict.")
    order_id: uuid.UUID | None = Field(description="The order it made or matched.")
    order_no: str | None
    code: str | None = Field(description="Why not accepted: a stable problem code.")
    reason: str | None


class OrderRequestPage(BaseModel):
    items: list[OrderRequestRead]
    next_cursor: str | None
