"""Request and response bodies of the order API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared_schemas import AmountCNY, OrderCategory, OrderDirection, OrderStatus


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: OrderCategory
    direction: OrderDirection
    customer_org_id: uuid.UUID = Field(description="The institution the order is with.")
    amount: AmountCNY = Field(
        description='Yuan as a string with at most 2 decimals, e.g. "1280.00".'
    )
    source_service: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
    source_ref: str = Field(
        min_length=1,
        max_length=120,
        description="Id of the source record; unique per source service.",
    )
    sign_date: date | None = Field(
        default=None, description="签单日期, where the business has one."
    )


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    by: str
    cause: str | None
    note: str | None


class OrderRead(BaseModel):
    id: uuid.UUID
    order_no: str
    category: OrderCategory
    direction: OrderDirection
    customer_org_id: uuid.UUID
    amount: Decimal = Field(description="Yuan, exact to the fen.")
    currency: str = "CNY"
    status: OrderStatus
    source_service: str
    source_ref: str
    sign_date: date | None
    created_by: str
    created_at: datetime
    trajectory: list[StatusChangeRead]
