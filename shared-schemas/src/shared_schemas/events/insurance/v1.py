"""insurance events, version 1. Published: change only by adding a v2 module.

Topic `insurance.policy` — policies issued (出单). Key (`aggregate_id`) = the policy id.
Consumed by valueadd (coupons an insurer issues with its policies).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Self
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator, model_validator

from shared_schemas.base import EventPayload
from shared_schemas.enums import InsuranceLine
from shared_schemas.money import Money


class PolicyIssuedV1(EventPayload):
    """insurance.policy.issued — a policy was issued (出单) through an institution."""

    policy_id: UUID
    policy_no: str = Field(min_length=1, max_length=64, description="保单号.")
    insurer_code: str = Field(min_length=1, max_length=32, description="保险公司代码.")
    insurer_name: str = Field(min_length=1, max_length=200)
    institution_org_id: UUID = Field(description="The institution (机构) that sold it.")
    line: InsuranceLine = Field(description="商业险, 交强险, 非车险 or 寿险.")
    product_code: str | None = Field(default=None, min_length=1, max_length=64)
    customer_ref: str = Field(
        min_length=1, max_length=120, description="The insured customer's id in insurance."
    )
    customer_name: str = Field(min_length=1, max_length=200)
    customer_mobile_masked: str | None = Field(
        default=None,
        pattern=r"^[0-9+ -]*\*+[0-9*+ -]*$",
        max_length=20,
        description="The mobile number masked (e.g. 138****1234); never the full number.",
    )
    vehicle_vin: str | None = Field(
        default=None, pattern=r"^[A-HJ-NPR-Z0-9]{17}$", description="车架号 (car lines)."
    )
    plate_no: str | None = Field(default=None, min_length=1, max_length=16, description="车牌号.")
    region_code: str | None = Field(
        default=None, pattern=r"^\d{6}$", description="GB/T 2260 code where it was sold."
    )
    sign_date: date = Field(description="签单日期.")
    starts_on: date = Field(description="保险起期.")
    ends_on: date = Field(description="保险止期; not before starts_on.")
    premium: Money = Field(description="保费; positive.")
    promoter_subject: str | None = Field(
        default=None, min_length=1, max_length=64, description="The promoter's sso subject."
    )
    issued_at: AwareDatetime

    @field_validator("premium")
    @classmethod
    def _positive(cls, value: Money) -> Money:
        if value.amount <= 0:
            raise ValueError("premium must be positive")
        return value

    @field_validator("issued_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self
