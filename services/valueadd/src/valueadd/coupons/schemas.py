"""Request and response bodies of the coupon API (products, issue rules, batches, coupons)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from servicekit.validation import field_error
from valueadd.common.money import Yuan
from valueadd.common.schemas import Body, RegionCode
from valueadd.coupons.models import (
    BatchKind,
    CouponStatus,
    InsuranceLine,
    ServiceKind,
    ValidityKind,
)


class ProductCreate(Body):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$", examples=["WASH-STD"])
    name: str = Field(min_length=1, max_length=100)
    service: ServiceKind
    face_value: Yuan
    insurer_price: Yuan = Field(description="What the insurer pays us per redeemed coupon.")
    settlement_price: Yuan = Field(description="What we pay the merchant per redemption.")
    validity_kind: ValidityKind
    valid_from: date | None = None
    valid_to: date | None = None
    valid_days: int | None = Field(default=None, ge=1, le=3650)
    region_codes: list[RegionCode] = Field(default_factory=list, max_length=200)
    car_models: list[str] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _validity(self) -> Self:
        if self.validity_kind is ValidityKind.fixed:
            for name in ("valid_from", "valid_to"):
                if getattr(self, name) is None:
                    raise field_error(
                        "ProductCreate", (name,), "missing", "a fixed window needs both dates", None
                    )
            assert self.valid_from is not None and self.valid_to is not None
            if self.valid_to < self.valid_from:
                raise field_error(
                    "ProductCreate",
                    ("valid_to",),
                    "window_reversed",
                    "valid_to is before valid_from",
                    str(self.valid_to),
                )
        elif self.valid_days is None:
            raise field_error(
                "ProductCreate",
                ("valid_days",),
                "missing",
                "days_after_issue needs valid_days",
                None,
            )
        return self


class ProductRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    service: ServiceKind
    face_value: Yuan
    insurer_price: Yuan
    settlement_price: Yuan
    validity_kind: ValidityKind
    valid_from: date | None
    valid_to: date | None
    valid_days: int | None
    region_codes: list[str]
    car_models: list[str]
    active: bool
    created_by: str
    created_at: datetime


class RuleCreate(Body):
    insurer_code: str = Field(min_length=1, max_length=40)
    insurer_name: str | None = Field(default=None, max_length=100)
    line: InsuranceLine
    insurance_product_code: str = Field(
        default="", max_length=60, description="Empty: every product of the line."
    )
    product_id: uuid.UUID
    quantity_per_policy: int = Field(ge=1, le=100)
    billed_org_id: uuid.UUID = Field(description="The institution the settlement is with.")


class RuleRead(BaseModel):
    id: uuid.UUID
    insurer_code: str
    insurer_name: str | None
    line: InsuranceLine
    insurance_product_code: str
    product_id: uuid.UUID
    product_code: str
    product_name: str
    quantity_per_policy: int
    billed_org_id: uuid.UUID
    active: bool
    created_by: str
    created_at: datetime


class Holder(Body):
    """Whom a coupon is bound to (any of these; all optional for an unbound coupon)."""

    customer_ref: str | None = Field(default=None, max_length=120)
    name: str | None = Field(default=None, max_length=200)
    mobile_masked: str | None = Field(default=None, max_length=20, pattern=r"^[0-9*]{7,20}$")
    plate_no: str | None = Field(default=None, max_length=16)
    vin: str | None = Field(default=None, pattern=r"^[A-HJ-NPR-Z0-9]{17}$")
    policy_no: str | None = Field(default=None, max_length=64)


class BatchCreate(Body):
    """自主发券: a batch of up to `quantity` coupons; `holders` are issued at once."""

    product_id: uuid.UUID
    quantity: int = Field(ge=1, le=1_000_000)
    holders: list[Holder] = Field(default_factory=list, max_length=10_000)
    per_holder: int = Field(default=1, ge=1, le=100)
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if len(self.holders) * self.per_holder > self.quantity:
            raise field_error(
                "BatchCreate",
                ("quantity",),
                "quantity_too_small",
                "fewer than holders × per_holder",
                self.quantity,
            )
        return self


class BatchIssue(Body):
    """Issue more (unbound) coupons of the batch, never beyond its quantity."""

    count: int = Field(ge=1, le=100_000)


class BatchRead(BaseModel):
    id: uuid.UUID
    batch_no: str
    kind: BatchKind
    product_id: uuid.UUID
    product_code: str
    product_name: str
    quantity: int
    issued_count: int
    policy_no: str | None
    note: str | None
    created_by: str
    created_at: datetime


class CouponStep(BaseModel):
    from_status: CouponStatus | None
    to_status: CouponStatus
    at: datetime
    by: str
    note: str | None


class CouponRead(BaseModel):
    id: uuid.UUID
    code: str = Field(description="As printed: XXXX-XXXX-XXXX.")
    status: CouponStatus
    batch_no: str
    batch_kind: BatchKind
    product_code: str
    product_name: str
    face_value: Yuan
    holder_ref: str | None
    holder_name: str | None
    holder_mobile_masked: str | None
    plate_no: str | None
    vin: str | None
    policy_no: str | None
    valid_from: date
    valid_to: date
    issued_at: datetime
    redeemed_at: datetime | None
    settled_at: datetime | None
    trail: list[CouponStep] = Field(default_factory=list)


class CouponPage(BaseModel):
    items: list[CouponRead]
    total: int


class VoidRequest(Body):
    reason: str = Field(min_length=1, max_length=200)


class PolicyFacts(BaseModel):
    """What coupon issuing reads of insurance's policy-issued event (insurance.policy.issued)."""

    policy_id: str
    policy_no: str
    insurer_code: str
    insurer_name: str | None = None
    line: InsuranceLine
    product_code: str
    customer_ref: str | None = None
    customer_name: str | None = None
    customer_mobile_masked: str | None = None
    vehicle_vin: str | None = None
    plate_no: str | None = None
    region_code: str | None = None
    issued_at: datetime
