"""Request and response bodies of technical-service contracts and their payouts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.techservices.models import PayeeKind, PayoutMode, RateKind, ServiceType


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("send a decimal string such as '0.05', not a JSON float or bool")
    return value


#: A share of the order amount as a fraction: "0.05" is 5 %, at most four decimals.
Share = Annotated[
    Decimal, BeforeValidator(_no_float), Field(gt=0, le=1, decimal_places=4, examples=["0.05"])
]


class PayeeIn(Body):
    kind: PayeeKind
    subject: str = Field(min_length=1, max_length=40, description="The person's sso subject.")
    name: str = Field(min_length=1, max_length=100)
    share: Share | None = Field(default=None, description="Share of the order amount.")
    fixed_amount: Yuan | None = Field(default=None, description="Fixed amount per order.")


class ContractCreate(Body):
    contract_no: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    customer_org_id: uuid.UUID
    customer_name: str = Field(min_length=1, max_length=100)
    service_type: ServiceType
    order_source: str = Field(
        min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="The 来源系统 the order center's import gives this customer's orders.",
    )  # fmt: skip
    payout_mode: PayoutMode
    effective_from: date
    payees: list[PayeeIn] = Field(min_length=1, max_length=20)


class PayeeRead(BaseModel):
    kind: PayeeKind
    subject: str
    name: str
    rate_kind: RateKind
    share: Decimal | None
    fixed_amount: Yuan | None


class ContractRead(BaseModel):
    id: uuid.UUID
    contract_no: str
    version: int
    customer_org_id: uuid.UUID
    customer_name: str
    service_type: ServiceType
    order_source: str
    payout_mode: PayoutMode
    effective_from: date
    payees: list[PayeeRead]
    created_by: str
    created_at: datetime


class PayoutRead(BaseModel):
    source_ref: str
    payee_kind: PayeeKind
    subject: str
    name: str
    payout_mode: PayoutMode
    category: str
    amount: Yuan
    requested_at: datetime
    credited_at: datetime | None
    center_order_no: str | None = None


class ServiceOrderRead(BaseModel):
    order_id: uuid.UUID
    order_no: str
    contract_no: str
    contract_version: int
    customer_org_id: uuid.UUID
    source_service: str
    source_ref: str
    amount: Yuan
    sign_date: date
    status: str
    payouts_requested_at: datetime | None
    payouts: list[PayoutRead]
