"""Request and response bodies of call records and rate cards."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.plates.schemas import PhoneNumber


class RateCardCreate(Body):
    insurer_org_id: uuid.UUID
    effective_from: date
    free_seconds: int = Field(ge=0, le=3600)
    unit_seconds: int = Field(ge=1, le=3600)
    unit_price: Yuan


class RateCardRead(BaseModel):
    id: uuid.UUID
    insurer_org_id: uuid.UUID
    version: int
    effective_from: date
    free_seconds: int
    unit_seconds: int
    unit_price: Yuan
    created_by: str
    created_at: datetime


class CallPush(Body):
    """What the provider pushes after a call (the same record may come several times)."""

    provider: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$", examples=["local"])
    session_id: str = Field(min_length=1, max_length=64)
    binding_id: str = Field(min_length=1, max_length=64)
    caller_number: PhoneNumber
    virtual_number: PhoneNumber
    started_at: AwareDatetime
    ended_at: AwareDatetime


class CallRead(BaseModel):
    id: uuid.UUID
    provider: str
    session_id: str
    plate_no: str
    caller_number: str
    virtual_number: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: int
    billable_seconds: int
    fee: Yuan
    rate_card_version: int | None
    received_at: datetime


class CallPage(BaseModel):
    items: list[CallRead]
    total: int
    billable_seconds: int
    fee: Yuan
