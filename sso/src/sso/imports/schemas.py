"""Import columns, row validation and the import report."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from servicekit.validation import field_error
from shared_schemas import OrgType
from sso.imports.parsing import Column
from sso.organizations.schemas import INSTITUTION_CODE
from sso.users.models import UserStatus
from sso.users.schemas import USERNAME, Email, Phone


class ImportKind(StrEnum):
    institutions = "institutions"
    users = "users"


class RowOutcome(StrEnum):
    created = "created"
    would_create = "would_create"  # dry run
    skipped = "skipped"  # identical to what exists
    error = "error"


INSTITUTION_COLUMNS = (
    Column("institution_code", ("机构编码", "机构代码", "org_code"), True, "unique code"),
    Column("institution_name", ("机构名称", "org_name"), True, "name"),
    Column("institution_type", ("机构类型", "org_type"), True,
           "technology|agency|insurtech_service|mall or 科技类|保险代理|保险技术服务|商城类"),
    Column("parent_code", ("上级机构编码", "上级机构", "parent_org_code"), False,
           "the head office's code (in the database or earlier in the file); empty: top level"),
    Column("province_code", ("省份代码", "省代码"), False, "GB/T 2260, 6 digits"),
    Column("city_code", ("城市代码", "市代码"), False, "GB/T 2260, 6 digits, in the province"),
)  # fmt: skip

USER_COLUMNS = (
    Column("username", ("用户名", "登录名", "账号", "login"), True,
           "unique platform-wide, any case; letters, digits, _ . @ -"),
    Column("display_name", ("姓名", "用户姓名", "name"), True, "the person's name"),
    Column("institution_code", ("机构编码", "机构代码", "org_code"), True,
           "an existing institution's code"),
    Column("phone", ("手机号", "手机", "电话", "mobile"), False, "digits, optional +"),
    Column("email", ("邮箱", "电子邮箱"), False, "an e-mail address"),
    Column("status", ("状态",), False, "active|disabled, 启用|停用, 1|0; empty: active"),
    Column("role_codes", ("角色编码", "角色"), False,
           "codes of roles of the user's institution, separated by ; or ,"),
    Column("legacy_id", ("原系统ID", "用户ID", "external_id"), False,
           "the user's id in the risk-assessment system (kept as external_ref)"),
)  # fmt: skip

COLUMNS = {ImportKind.institutions: INSTITUTION_COLUMNS, ImportKind.users: USER_COLUMNS}

_ORG_TYPE_LABELS = {
    "科技类": OrgType.technology, "保险代理": OrgType.agency,
    "保险技术服务": OrgType.insurtech_service, "商城类": OrgType.mall,
}  # fmt: skip
_STATUS_LABELS = {
    "": UserStatus.active, "active": UserStatus.active, "启用": UserStatus.active,
    "正常": UserStatus.active, "1": UserStatus.active,
    "disabled": UserStatus.disabled, "停用": UserStatus.disabled, "禁用": UserStatus.disabled,
    "0": UserStatus.disabled,
}  # fmt: skip


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class InstitutionRow(_Row):
    institution_code: str = Field(pattern=INSTITUTION_CODE)
    institution_name: str = Field(min_length=1, max_length=200)
    institution_type: OrgType
    parent_code: str | None = Field(default=None, pattern=INSTITUTION_CODE)
    province_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    city_code: str | None = Field(default=None, pattern=r"^\d{6}$")

    @field_validator("institution_type", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return _ORG_TYPE_LABELS.get(value, value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _region(self) -> Self:
        if self.city_code and not self.province_code:
            raise field_error("InstitutionRow", ("province_code",), "missing",
                              "a city needs its province", None)  # fmt: skip
        return self


class UserRow(_Row):
    username: str = Field(pattern=USERNAME)
    display_name: str = Field(min_length=1, max_length=100)
    institution_code: str = Field(min_length=1, max_length=40)
    phone: Phone | None = None
    email: Email | None = None
    status: UserStatus = UserStatus.active
    role_codes: list[str] = Field(default_factory=list)
    legacy_id: str | None = Field(default=None, max_length=100)

    @field_validator("status", mode="before")
    @classmethod
    def _status_label(cls, value: Any) -> Any:
        if value is None:
            return UserStatus.active
        return _STATUS_LABELS.get(str(value).strip().lower(), value)

    @field_validator("role_codes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [
                c.strip()
                for c in value.replace("，", ",").replace(";", ",").split(",")
                if c.strip()
            ]
        return value


class RowError(BaseModel):
    field: str = Field(description="The column, or empty for the row as a whole.")
    code: str
    message: str


class RowReport(BaseModel):
    row: int
    outcome: RowOutcome
    key: str | None
    target_id: uuid.UUID | None
    errors: list[RowError]


class ImportReport(BaseModel):
    id: uuid.UUID
    kind: ImportKind
    format: str
    filename: str | None
    dry_run: bool
    started_at: datetime
    rows: int
    created: int = Field(description="Created (or, in a dry run, would be created).")
    skipped: int
    failed: int
    report_csv: str = Field(description="Every row with its outcome and errors, as CSV.")
    error_rows: list[RowReport] = Field(description="The first 200 rows with errors.")
