"""Request and response bodies of the mall API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.coupons.models import ServiceKind
from valueadd.mall.models import PaymentState


class SkuCreate(Body):
    sku_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$", examples=["WASH-PLUS-5"])
    name: str = Field(min_length=1, max_length=100, examples=["5 次卡"])
    price: Yuan
    market_price: Yuan
    cost: Yuan
    stock: int = Field(ge=0, le=10_000_000)


class ProductCreate(Body):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$", examples=["WASH-PLUS"])
    name: str = Field(min_length=1, max_length=100)
    service: ServiceKind
    description: str | None = Field(default=None, max_length=500)
    skus: list[SkuCreate] = Field(min_length=1, max_length=50)


class StockAdd(Body):
    count: int = Field(ge=1, le=10_000_000)


class SkuRead(BaseModel):
    id: uuid.UUID
    sku_code: str
    name: str
    price: Yuan
    market_price: Yuan
    cost: Yuan
    stock: int


class ProductRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    service: ServiceKind
    description: str | None
    active: bool
    skus: list[SkuRead]
    created_by: str
    created_at: datetime


class OrderCreate(Body):
    sku_id: uuid.UUID
    quantity: int = Field(ge=1, le=100)
    buyer_ref: str = Field(min_length=1, max_length=120, description="The buyer (customer ref).")
    buyer_name: str | None = Field(default=None, max_length=100)


class PaymentResult(StrEnum):
    success = "success"
    failed = "failed"


class PaymentRecord(Body):
    """The payment channel's result, as the channel reported it (recorded once)."""

    channel: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$", examples=["wechat_pay"])
    transaction_no: str = Field(min_length=1, max_length=64)
    result: PaymentResult
    amount: Yuan


class MallOrderRead(BaseModel):
    id: uuid.UUID
    order_no: str
    product_name: str
    sku_code: str
    sku_name: str
    quantity: int
    unit_price: Yuan
    amount: Yuan
    buyer_ref: str
    buyer_name: str | None
    status: PaymentState
    payment_channel: str | None
    payment_txn_no: str | None
    paid_at: datetime | None
    created_by: str
    created_at: datetime
    center_order_no: str | None = None


class MallOrderPage(BaseModel):
    items: list[MallOrderRead]
    total: int
