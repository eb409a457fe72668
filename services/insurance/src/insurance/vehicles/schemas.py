"""Request and response bodies of customers and vehicles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from insurance.common import checks
from insurance.common.fields import INPUT, BusinessDate, Mobile, PlateNo, RegionCode
from insurance.vehicles.models import CustomerKind, Source, UseNature
from servicekit.validation import field_error


class CustomerIn(BaseModel):
    """A customer as collected: the ID number is checked against its kind."""

    model_config = INPUT

    kind: CustomerKind = CustomerKind.person
    name: str = Field(min_length=1, max_length=200, examples=["张伟"])
    id_number: str | None = Field(default=None, max_length=32, examples=["11010519491231002X"])
    mobile: Mobile | None = Field(default=None, examples=["13812345678"])

    @model_validator(mode="after")
    def _id_matches_kind(self) -> Self:
        if self.id_number:
            check = checks.person_id if self.kind is CustomerKind.person else checks.company_id
            try:
                self.id_number = check(self.id_number)
            except checks.CheckError as exc:
                # From a model validator the location would be the model: name the field.
                raise field_error(
                    "CustomerIn", ("id_number",), exc.code, str(exc), self.id_number
                ) from None
        return self


class VehicleCollect(BaseModel):
    """One collection of a vehicle (REST intake from the official account, the mini program,
    a partner, or a person at the console). VIN, else plate + region, finds an existing one."""

    model_config = INPUT

    source: Source = Source.manual
    source_ref: str | None = Field(default=None, max_length=120)
    org_id: uuid.UUID | None = Field(default=None, description="Default: the caller's institution.")
    vin: str | None = Field(default=None, examples=["LSVAU2180N2183294"])
    plate_no: PlateNo = Field(examples=["粤B12345"])
    region_code: RegionCode = Field(examples=["440300"])
    engine_no: str | None = Field(default=None, max_length=40)
    register_date: BusinessDate | None = None
    use_nature: UseNature | None = None
    brand_model: str | None = Field(default=None, max_length=120)
    commercial_expiry: BusinessDate | None = None
    compulsory_expiry: BusinessDate | None = None
    inspection_due: BusinessDate | None = None
    maintenance_due: BusinessDate | None = None
    owner: CustomerIn | None = None

    @model_validator(mode="before")
    @classmethod
    def _vin_shape(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("vin"), str):
            if not data["vin"].strip():
                data = {**data, "vin": None}
            else:
                try:
                    checks.vin(data["vin"])
                except checks.CheckError as exc:
                    raise field_error(
                        "VehicleCollect", ("vin",), exc.code, str(exc), data["vin"]
                    ) from None
        return data


class OwnerChangeIn(BaseModel):
    model_config = INPUT

    owner: CustomerIn
    transfer_date: BusinessDate | None = None
    note: str | None = Field(default=None, max_length=500)


class CustomerRead(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    kind: CustomerKind
    name: str
    #: Masked (440***********123X) unless the caller holds insurance.vehicle.contact.
    id_number: str | None
    mobile: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class VehicleSourceRead(BaseModel):
    source: Source
    source_ref: str | None
    outcome: str
    collected_at: datetime
    collected_by: str


class OwnerChangeRead(BaseModel):
    from_customer: str | None = Field(description="The previous owner's name.")
    to_customer: str
    transfer_date: date | None
    note: str | None
    changed_at: datetime
    changed_by: str


class VehicleRead(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    vin: str | None
    vin_checksum_ok: bool | None
    plate_no: str
    region_code: str
    engine_no: str | None
    register_date: date | None
    use_nature: UseNature | None
    brand_model: str | None
    commercial_expiry: date | None
    compulsory_expiry: date | None
    inspection_due: date | None
    maintenance_due: date | None
    owner: CustomerRead | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class VehicleDetail(VehicleRead):
    sources: list[VehicleSourceRead]
    owner_changes: list[OwnerChangeRead]


class Warning_(BaseModel):
    field: str
    code: str
    message: str


class CollectResult(BaseModel):
    vehicle: VehicleRead
    #: created: a new vehicle; merged: an existing one (same VIN, else plate + region).
    outcome: str
    warnings: list[Warning_] = []


class VehiclePage(BaseModel):
    items: list[VehicleRead]
    total: int


class CustomerDetail(CustomerRead):
    vehicles: list[VehicleRead]


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    total: int


class RowError(BaseModel):
    row: int = Field(description="1-based row of the file, the header being row 1.")
    field: str
    code: str
    message: str


class ImportResult(BaseModel):
    dry_run: bool
    rows: int
    created: int
    merged: int
    errors: list[RowError]
    warnings: list[RowError]
