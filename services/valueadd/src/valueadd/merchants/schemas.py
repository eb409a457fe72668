"""Request and response bodies of the merchant API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body, RegionCode
from valueadd.coupons.models import ServiceKind


class MerchantCreate(Body):
    org_id: uuid.UUID = Field(description="The merchant's institution in sso.")
    name: str = Field(min_length=1, max_length=100)
    region_code: RegionCode
    services: list[ServiceKind] = Field(min_length=1, max_length=20)


class MerchantUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    region_code: RegionCode | None = None
    services: list[ServiceKind] | None = Field(default=None, min_length=1, max_length=20)


class StoreCreate(Body):
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=200)
    region_code: RegionCode
    latitude: Decimal | None = Field(default=None, ge=-90, le=90, decimal_places=6)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180, decimal_places=6)


class StaffPut(Body):
    name: str = Field(min_length=1, max_length=80)
    store_id: uuid.UUID | None = None
    active: bool = True


class PricePut(Body):
    settlement_price: Yuan


class StoreRead(BaseModel):
    id: uuid.UUID
    name: str
    address: str
    region_code: str
    latitude: Decimal | None
    longitude: Decimal | None
    active: bool


class StaffRead(BaseModel):
    subject: str
    name: str
    store_id: uuid.UUID | None
    store_name: str | None
    active: bool


class PriceRead(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    settlement_price: Yuan


class MerchantRead(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    region_code: str
    services: list[ServiceKind]
    stores: list[StoreRead]
    staff: list[StaffRead]
    prices: list[PriceRead]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class MerchantSummary(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    region_code: str
    services: list[ServiceKind]
    store_count: int
