"""Request and response bodies of the redemption API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body


class RedeemRequest(Body):
    code: str = Field(min_length=1, max_length=20, description="Typed or scanned coupon code.")
    store_id: uuid.UUID | None = Field(default=None, description="Default: the staff's store.")
    car_model: str | None = Field(default=None, max_length=100, examples=["比亚迪 秦PLUS"])
    latitude: Decimal | None = Field(default=None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180, decimal_places=6)


class RedemptionRead(BaseModel):
    id: uuid.UUID
    redemption_no: str
    coupon_code: str
    product_code: str
    product_name: str
    merchant_id: uuid.UUID
    merchant_name: str
    store_name: str
    region_code: str
    staff_name: str
    redeemed_at: datetime
    car_model: str | None
    settlement_price: Yuan
    statement_id: uuid.UUID | None
    order_no: str | None = None


class RedemptionCheck(BaseModel):
    """What a passed check shows the staff before they redeem (the holder's name masked)."""

    coupon_code: str
    product_code: str
    product_name: str
    face_value: Yuan
    holder_name: str | None
    plate_no: str | None
    valid_from: date
    valid_to: date
    merchant_name: str
    store_name: str
    settlement_price: Yuan


class RedemptionPage(BaseModel):
    items: list[RedemptionRead]
    total: int


class StatsDimension(StrEnum):
    merchant = "merchant"
    product = "product"
    region = "region"
    hour = "hour"


class StatsRow(BaseModel):
    key: str
    label: str
    count: int
    settlement_amount: Yuan


class RedemptionQuery(BaseModel):
    merchant_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
