"""Bodies and answers of the settlement-list API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orders.order.schemas import OrderRead, OrderSummary, TaxRate
from servicekit.validation import field_error
from shared_schemas import AmountCNY, OrderCategory, SellingEntity

#: At most this many orders per list: each becomes a line of the billing order.
MAX_ORDERS = 1000


class SettlementSelection(BaseModel):
    """Closed receivable orders of one institution and category signed in the date range
    (签单日期, inclusive) that no list has billed yet."""

    model_config = ConfigDict(extra="forbid")

    customer_org_id: uuid.UUID
    category: OrderCategory
    sign_date_from: date
    sign_date_to: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.sign_date_to < self.sign_date_from:
            raise field_error(
                type(self).__name__,
                ("sign_date_to",),
                "range_reversed",
                "must not be before sign_date_from",
                str(self.sign_date_to),
            )
        return self


class SettlementCreate(SettlementSelection):
    seller: SellingEntity | None = Field(default=None, description="Who invoices (销售主体).")
    tax_rate: TaxRate | None = None


class SettlementPreview(BaseModel):
    count: int
    amount: AmountCNY
    orders: list[OrderSummary] = Field(description=f"The orders (at most {MAX_ORDERS} listed).")


class SettlementListRead(BaseModel):
    id: uuid.UUID
    list_no: str
    customer_org_id: uuid.UUID
    category: OrderCategory
    sign_date_from: date
    sign_date_to: date
    order_count: int
    amount: AmountCNY
    created_by: str
    created_at: datetime
    order_ids: list[uuid.UUID] = Field(description="The deals (orders) the list bills.")
    billing_order: OrderRead = Field(description="The receivable order to invoice.")
