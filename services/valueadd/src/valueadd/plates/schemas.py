"""Request and response bodies of the move-car plates API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from valueadd.common.money import Yuan
from valueadd.common.schemas import Body
from valueadd.plates.models import PlateStatus

PlateNo = Annotated[str, Field(pattern=r"^PB\d{14}-\d{5}$", examples=["PB20261120000001-00001"])]
#: A phone number of up to 15 digits (E.164's maximum), optionally with a leading "+".
PhoneNumber = Annotated[str, Field(pattern=r"^\+?\d{5,15}$", examples=["13800138000"])]
#: 车牌号: a province character, a letter, then 5 (or 6 for new-energy) letters and digits.
VehiclePlateNo = Annotated[
    str, Field(pattern=r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$", examples=["沪A12345"])
]


class BatchCreate(Body):
    quantity: int = Field(ge=1, le=10_000)
    note: str | None = Field(default=None, max_length=200)


class BatchRead(BaseModel):
    id: uuid.UUID
    batch_no: str
    quantity: int
    note: str | None
    created_by: str
    created_at: datetime
    by_status: dict[str, int] = Field(default_factory=dict)


class AssignRequest(Body):
    """分配挪车牌: these plates to one promoter (业务员, an sso user by subject)."""

    plate_nos: list[PlateNo] = Field(min_length=1, max_length=1000)
    promoter_subject: str = Field(min_length=1, max_length=120)
    promoter_name: str = Field(min_length=1, max_length=100)


class PurchaseCreate(Body):
    """保司采购: the insurer (an sso institution) buys these assigned plates."""

    insurer_org_id: uuid.UUID
    insurer_name: str = Field(min_length=1, max_length=100)
    plate_nos: list[PlateNo] = Field(min_length=1, max_length=1000)
    unit_price: Yuan


class PurchaseRead(BaseModel):
    id: uuid.UUID
    purchase_no: str
    insurer_org_id: uuid.UUID
    insurer_name: str
    quantity: int
    unit_price: Yuan
    amount: Yuan
    plate_nos: list[str]
    created_by: str
    created_at: datetime


class DistributeRequest(Body):
    """分发: the insurer hands the plate to its customer."""

    customer_ref: str = Field(min_length=1, max_length=120)
    customer_name: str = Field(min_length=1, max_length=100)


class BindRequest(Body):
    """绑定: the customer's vehicle and the number a scan reaches (through a privacy number)."""

    vehicle_plate_no: VehiclePlateNo
    owner_mobile: PhoneNumber


class StatusChange(Body):
    status: PlateStatus
    reason: str | None = Field(default=None, max_length=200)


class StepRead(BaseModel):
    from_status: PlateStatus | None
    to_status: PlateStatus
    at: datetime
    by: str
    reason: str | None


class PlateRead(BaseModel):
    id: uuid.UUID
    plate_no: str
    batch_no: str
    status: PlateStatus
    promoter_subject: str | None
    promoter_name: str | None
    insurer_org_id: uuid.UUID | None
    purchase_no: str | None
    customer_ref: str | None
    customer_name: str | None
    vehicle_plate_no: str | None
    #: Masked (138****8000): staff never need the whole number.
    owner_mobile: str | None
    scan_url: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    steps: list[StepRead] = Field(default_factory=list)


class PlatePage(BaseModel):
    items: list[PlateRead]
    total: int


class MovedPlates(BaseModel):
    plate_nos: list[str]
    status: PlateStatus


class ScanRead(BaseModel):
    """The public scan page: nothing about the owner (no name, number or vehicle)."""

    plate_no: str
    can_call: bool
    notice: str


class CallRequest(Body):
    caller_number: PhoneNumber


class CallRead(BaseModel):
    """Dial this number before it expires; it reaches the owner without showing either number."""

    virtual_number: str
    expires_at: datetime
