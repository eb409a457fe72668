"""Request and response bodies of push rules, receivers, tasks, records and the funnel."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from insurance.common import checks
from insurance.common.fields import INPUT, BusinessDate
from insurance.policies.insurers import INSURERS
from insurance.policies.lifecycle import ProposalStatus, UnconvertedReason
from servicekit.validation import field_error

CarLine = Literal["car_commercial", "car_compulsory"]


class RuleIn(BaseModel):
    model_config = INPUT

    name: str = Field(min_length=1, max_length=200, examples=["深圳商业险续保"])
    region_prefix: str = Field(pattern=r"^\d{2}(\d{2}){0,2}$", examples=["4403"])
    insurer_code: str | None = None
    line: CarLine
    open_days: int = Field(ge=1, le=365, examples=[90])
    close_days: int = Field(ge=0, le=364, examples=[0])
    receiver_org_id: uuid.UUID
    active: bool = True

    @field_validator("region_prefix")
    @classmethod
    def _province(cls, value: str) -> str:
        if value[:2] not in checks.PROVINCES:
            raise PydanticCustomError("unknown_region", "no province with this code")
        return value

    @field_validator("insurer_code")
    @classmethod
    def _insurer(cls, value: str | None) -> str | None:
        if value is not None and value not in INSURERS:
            raise PydanticCustomError("unknown_insurer", "no insurer with this code")
        return value

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.close_days >= self.open_days:
            raise field_error(
                "RuleIn", ("close_days",), "window_empty",
                "the window closes before it opens", self.close_days,
            )  # fmt: skip
        return self


class RuleCreate(RuleIn):
    rule_code: str = Field(pattern=r"^[A-Za-z0-9_-]{2,40}$", examples=["SZ-COMMERCIAL"])


class RuleRead(BaseModel):
    id: uuid.UUID
    rule_code: str
    version: int
    name: str
    region_prefix: str
    insurer_code: str | None
    line: CarLine
    open_days: int
    close_days: int
    receiver_org_id: uuid.UUID
    receiver_name: str | None
    active: bool
    created_at: datetime
    created_by: str


class ReceiverIn(BaseModel):
    model_config = INPUT

    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    capacity_per_run: int | None = Field(default=None, ge=0, le=1_000_000)


class ReceiverRead(BaseModel):
    org_id: uuid.UUID
    name: str
    active: bool
    entitled: bool
    capacity_per_run: int | None
    updated_at: datetime
    updated_by: str


class RunIn(BaseModel):
    model_config = INPUT

    as_of: BusinessDate | None = Field(default=None, description="Default: today (Beijing).")


class TaskRead(BaseModel):
    id: uuid.UUID
    task_no: str
    trigger: str
    as_of: date
    status: str
    selected: int
    pushed: int
    already_pushed: int
    no_receiver: int
    proposals: int
    started_at: datetime
    finished_at: datetime
    started_by: str


class TaskPage(BaseModel):
    items: list[TaskRead]
    total: int


class PushRead(BaseModel):
    id: uuid.UUID
    task_no: str
    plate_no: str
    customer_name: str | None
    line: CarLine
    expiry_date: date
    region_code: str
    insurer_code: str | None
    rule_code: str
    rule_version: int
    receiver_org_id: uuid.UUID
    receiver_name: str | None
    proposal_id: uuid.UUID
    proposal_no: str
    status: ProposalStatus
    unconverted_reason: UnconvertedReason | None
    pushed_at: datetime


class PushPage(BaseModel):
    items: list[PushRead]
    total: int


GroupBy = Literal["receiver", "region", "insurer", "rule", "month"]


class FunnelRow(BaseModel):
    key: str
    label: str
    pushed: int = Field(description="Proposals made by pushes.")
    quoted: int = Field(description="…of which ever reached 已报价 (a recorded quote step).")
    issued: int = Field(description="…of which were issued (a recorded issue step).")
    unconverted: int
    open: int = Field(description="Neither issued nor unconverted yet.")
    unconverted_by_reason: dict[str, int]
    #: issued / pushed, four places, as a string ("0.3333"); "0.0000" with nothing pushed.
    conversion_rate: str


class Funnel(BaseModel):
    group_by: GroupBy
    rows: list[FunnelRow]
    total: FunnelRow
