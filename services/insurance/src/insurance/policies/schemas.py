"""Request and response bodies of proposals and policies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from insurance.common.fields import INPUT, BusinessDate
from insurance.common.money import Yuan
from insurance.policies.insurers import INSURERS
from insurance.policies.lifecycle import Action, ProposalStatus, UnconvertedReason
from servicekit.validation import field_error
from shared_schemas import InsuranceLine

CAR_LINES = (InsuranceLine.car_commercial, InsuranceLine.car_compulsory)


def _known_insurer(value: str | None) -> str | None:
    if value is not None and value not in INSURERS:
        raise PydanticCustomError("unknown_insurer", "no insurer with this code")
    return value


class PeriodIn(BaseModel):
    model_config = INPUT

    line: InsuranceLine
    product_code: str | None = Field(default=None, max_length=64)
    starts_on: BusinessDate
    ends_on: BusinessDate

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.ends_on < self.starts_on:
            raise field_error(
                "PeriodIn", ("ends_on",), "period_reversed", "ends before it starts", self.ends_on
            )
        return self


class ProposalCreate(BaseModel):
    model_config = INPUT

    org_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = Field(default=None, description="Car lines: the vehicle.")
    customer_id: uuid.UUID | None = Field(default=None, description="Default: the vehicle's owner.")
    insurer_code: str | None = None
    promoter_subject: str | None = Field(default=None, max_length=64)
    lines: list[PeriodIn] = Field(min_length=1, max_length=4)
    note: str | None = Field(default=None, max_length=500)

    _insurer = field_validator("insurer_code")(_known_insurer)

    @model_validator(mode="after")
    def _lines(self) -> Self:
        seen = [p.line for p in self.lines]
        if len(set(seen)) != len(seen):
            raise field_error("ProposalCreate", ("lines",), "line_repeated", "a line twice", seen)
        if any(line in CAR_LINES for line in seen) and self.vehicle_id is None:
            raise field_error(
                "ProposalCreate", ("vehicle_id",), "vehicle_required", "car lines need a vehicle",
                None,
            )  # fmt: skip
        if self.vehicle_id is None and self.customer_id is None:
            raise field_error(
                "ProposalCreate", ("customer_id",), "customer_required", "name the customer", None
            )
        return self


class ItemIn(BaseModel):
    """One cover of a line (险别): code, sum insured, premium — exact yuan strings."""

    model_config = INPUT

    cover_code: str = Field(min_length=1, max_length=32, examples=["VEH_DAMAGE"])
    cover_name: str | None = Field(default=None, max_length=100, examples=["机动车损失保险"])
    sum_insured: Yuan = Field(default=Decimal(0))
    premium: Yuan


class LineQuote(BaseModel):
    model_config = INPUT

    line: InsuranceLine
    items: list[ItemIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if sum(i.premium for i in self.items) <= 0:
            raise field_error(
                "LineQuote", ("items",), "premium_not_positive", "the line's premium is zero",
                None,
            )  # fmt: skip
        return self


class QuoteIn(BaseModel):
    model_config = INPUT

    insurer_code: str | None = None
    lines: list[LineQuote] = Field(min_length=1, max_length=4)
    note: str | None = Field(default=None, max_length=500)

    _insurer = field_validator("insurer_code")(_known_insurer)


class StepIn(BaseModel):
    model_config = INPUT

    note: str | None = Field(default=None, max_length=500)


class GiveUpIn(BaseModel):
    model_config = INPUT

    reason: UnconvertedReason
    note: str | None = Field(default=None, max_length=500)


class IssuedPolicyNo(BaseModel):
    model_config = INPUT

    line: InsuranceLine
    policy_no: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class IssueIn(BaseModel):
    model_config = INPUT

    sign_date: BusinessDate = Field(description="签单日期")
    policy_nos: list[IssuedPolicyNo] = Field(
        default=[], description="The insurer's policy number per line; generated when absent."
    )
    note: str | None = Field(default=None, max_length=500)


class ItemRead(BaseModel):
    cover_code: str
    cover_name: str | None
    sum_insured: Yuan
    premium: Yuan


class ProposalLineRead(BaseModel):
    line: InsuranceLine
    product_code: str | None
    starts_on: date
    ends_on: date
    items: list[ItemRead]
    premium: Yuan | None
    policy_no: str | None


class StepRead(BaseModel):
    seq: int
    action: Action
    from_status: ProposalStatus | None
    to_status: ProposalStatus
    reason: UnconvertedReason | None
    note: str | None
    at: datetime
    by: str
    by_name: str | None


class ProposalRead(BaseModel):
    id: uuid.UUID
    proposal_no: str
    org_id: uuid.UUID
    status: ProposalStatus
    unconverted_reason: UnconvertedReason | None
    source: str
    external_no: str | None
    insurer_code: str | None
    insurer_name: str | None
    customer_id: uuid.UUID
    customer_name: str
    vehicle_id: uuid.UUID | None
    plate_no: str | None
    region_code: str | None
    promoter_subject: str | None
    premium: Yuan | None
    lines: list[ProposalLineRead]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    #: What may be done next (the transition table's actions from this status).
    next_actions: list[Action]


class ProposalDetail(ProposalRead):
    steps: list[StepRead]


class ProposalPage(BaseModel):
    items: list[ProposalRead]
    total: int


class PolicyRead(BaseModel):
    id: uuid.UUID
    policy_no: str
    insurer_code: str
    insurer_name: str
    org_id: uuid.UUID
    line: InsuranceLine
    product_code: str | None
    proposal_no: str | None
    customer_id: uuid.UUID
    customer_name: str
    vehicle_id: uuid.UUID | None
    plate_no: str | None
    region_code: str | None
    sign_date: date
    starts_on: date
    ends_on: date
    premium: Yuan
    items: list[ItemRead]
    promoter_subject: str | None
    renews_policy_no: str | None
    source: str
    issued_at: datetime
    issued_by: str


class PolicyPage(BaseModel):
    items: list[PolicyRead]
    total: int


class PolicyRecord(BaseModel):
    """A policy issued outside this system (downloaded from an insurer, or imported)."""

    model_config = INPUT

    org_id: uuid.UUID | None = None
    policy_no: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    insurer_code: str
    line: InsuranceLine
    product_code: str | None = Field(default=None, max_length=64)
    vehicle_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    sign_date: BusinessDate
    starts_on: BusinessDate
    ends_on: BusinessDate
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    promoter_subject: str | None = Field(default=None, max_length=64)

    _insurer = field_validator("insurer_code")(_known_insurer)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_on < self.starts_on:
            raise field_error(
                "PolicyRecord", ("ends_on",), "period_reversed", "ends before it starts",
                self.ends_on,
            )  # fmt: skip
        if self.line in CAR_LINES and self.vehicle_id is None:
            raise field_error(
                "PolicyRecord", ("vehicle_id",), "vehicle_required", "car lines need a vehicle",
                None,
            )  # fmt: skip
        if self.vehicle_id is None and self.customer_id is None:
            raise field_error(
                "PolicyRecord", ("customer_id",), "customer_required", "name the customer", None
            )
        if sum(i.premium for i in self.items) <= 0:
            raise field_error(
                "PolicyRecord", ("items",), "premium_not_positive", "the premium is zero", None
            )
        return self
