"""Request and response bodies of the assessment-request API.

Shares are percentages as strings with at most two decimals (`"60.00"`); a JSON float is refused.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from risk.requests.inspection import FORMS
from servicekit.validation import field_error

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
#: 京A12345, 粤B·D12345 (new energy), with or without the middle dot.
PLATE_RE = re.compile(r"^[\u4e00-\u9fa5][A-Z][·]?[A-Z0-9]{5,6}$")
INSURER_RE = re.compile(r"^[A-Z0-9_-]{2,32}$")


class UseNature(StrEnum):
    """使用性质."""

    private = "private"  # 家庭自用
    non_operating = "non_operating"  # 企业非营业
    operating_passenger = "operating_passenger"  # 营业客运
    operating_freight = "operating_freight"  # 营业货运


USE_NATURE_ZH = {
    UseNature.private: "家庭自用",
    UseNature.non_operating: "企业非营业",
    UseNature.operating_passenger: "营业客运",
    UseNature.operating_freight: "营业货运",
}


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("floats are inexact; pass the share as a string such as '60.00'")
    return value


Share = Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, le=100, decimal_places=2)]


class PayeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=120, description="The promoter's sso subject.")
    name: str = Field(min_length=1, max_length=80)
    share: Share = Field(description="Percent of the promoter fee, e.g. '60.00'.")


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vin: str = Field(description="17-character VIN (车架号); letters I, O, Q are not used.")
    plate_no: str | None = Field(default=None, description="号牌号码, e.g. 浙A12345")
    register_date: date = Field(description="初次登记日期")
    use_nature: UseNature
    region_code: str = Field(description="6-digit administrative region code (行政区划代码)")

    @field_validator("vin", mode="before")
    @classmethod
    def _vin(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if not VIN_RE.match(value):
                raise ValueError("a VIN is 17 letters or digits, without I, O or Q")
        return value

    @field_validator("plate_no", mode="before")
    @classmethod
    def _plate(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper().replace(" ", "")
            if not value:
                return None
            if not PLATE_RE.match(value):
                raise ValueError("not a plate number such as 浙A12345")
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[1-8]\d{5}", value):
            raise ValueError("a region code is 6 digits, e.g. 330100")
        return value


class InsurerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="The insurer's code, e.g. PICC")
    name: str = Field(min_length=1, max_length=80)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if not INSURER_RE.match(value):
                raise ValueError("an insurer code is 2-32 letters, digits, '-' or '_'")
        return value


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_version: str = Field(description=f"One of {', '.join(FORMS)}")
    document: dict[str, Any]

    @model_validator(mode="after")
    def _valid_for_its_form(self) -> Self:
        form = FORMS.get(self.form_version)
        if form is None:
            raise field_error(
                "InspectionIn", ("form_version",), "unknown_form_version",
                f"unknown inspection form version; known: {', '.join(FORMS)}", self.form_version,
            )  # fmt: skip
        try:
            self.document = form.model_validate(self.document).model_dump(mode="json")
        except Exception as exc:  # re-raised at the document's own fields
            from pydantic import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            first = exc.errors()[0]
            raise field_error(
                "InspectionIn", ("document", *first["loc"]), first["type"], first["msg"],
                first.get("input"),
            ) from None  # fmt: skip
        return self


class RequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="The caller's own reference; repeating it returns the first request.",
    )
    applicant_org_id: uuid.UUID | None = Field(
        default=None, description="The applicant institution; default the caller's own."
    )
    applicant_org_name: str | None = Field(default=None, max_length=120)
    insurer: InsurerIn
    vehicle: VehicleIn
    inspection: InspectionIn
    payees: list[PayeeIn] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _shares_sum_to_whole(self) -> Self:
        if self.payees:
            total = sum((p.share for p in self.payees), Decimal(0))
            if total != 100:
                raise field_error(
                    "RequestCreate", ("payees",), "shares_not_whole",
                    f"payee shares must sum to 100.00, they sum to {total}", str(total),
                )  # fmt: skip
            subjects = [p.subject for p in self.payees]
            if len(set(subjects)) != len(subjects):
                raise field_error(
                    "RequestCreate", ("payees",), "payee_repeated",
                    "a promoter appears twice; give one share each", subjects,
                )  # fmt: skip
        return self


class PayeeRead(BaseModel):
    subject: str
    name: str
    share: str


class StatusChangeRead(BaseModel):
    from_status: str | None
    to_status: str
    to_status_label: str
    trigger: str
    by: str
    at: datetime
    note: str | None


class RequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    request_no: str
    org_id: uuid.UUID
    org_name: str | None
    reference: str | None
    channel: str
    insurer_code: str
    insurer_name: str
    vin: str
    plate_no: str | None
    register_date: date
    use_nature: str
    use_nature_label: str
    region_code: str
    vehicle_info: dict[str, Any]
    inspection_form_version: str
    inspection: dict[str, Any]
    status: str
    status_label: str
    latest_assessment_id: uuid.UUID | None
    latest_grade: str | None
    latest_decision: str | None
    payees: list[PayeeRead]
    payees_confirmed_by: str | None
    payees_confirmed_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    trajectory: list[StatusChangeRead] = []


class RequestPage(BaseModel):
    items: list[RequestRead]
    total: int
    offset: int
    limit: int


class RequestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None
    insurer_code: str | None = None
    q: str | None = Field(default=None, description="Request no., VIN or plate (exact or prefix)")
    created_from: date | None = None
    created_to: date | None = None
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


class ImportRowError(BaseModel):
    row: int
    field: str
    code: str
    message: str


class ImportReport(BaseModel):
    dry_run: bool
    rows: int
    created: int
    existing: int
    errors: list[ImportRowError]
    request_nos: list[str]


class GradeCount(BaseModel):
    insurer_code: str
    insurer_name: str
    month: str = Field(description="yyyy-mm, Beijing time")
    grade: str = Field(description="'—' while not assessed")
    count: int
