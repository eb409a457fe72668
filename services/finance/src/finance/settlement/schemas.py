from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared_schemas import OrderCategory, OrderDirection


class SettlementItemRead(BaseModel):
    order_id: uuid.UUID
    order_no: str
    customer_org_id: uuid.UUID
    category: OrderCategory
    direction: OrderDirection
    amount: Decimal
    outstanding: Decimal
    invoiced: Decimal = Field(description="Net invoiced: blue invoices less red-letter ones.")
    invoice_pending: Decimal = Field(description="On invoice applications not yet decided.")
    uninvoiced: Decimal = Field(description="What a new invoice application may still take.")
    currency: str = "CNY"
    account_code: str
    recorded_at: datetime


class AccountMappingWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_code: str = Field(
        pattern=r"^[0-9]{4,20}$", description="Ledger account code, e.g. 1122."
    )


class AccountMappingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: OrderCategory
    direction: OrderDirection
    account_code: str
    updated_by: str
    updated_at: datetime
