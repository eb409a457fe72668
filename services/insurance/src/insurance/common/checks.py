"""Checks of the identity data people type: ID numbers, mobiles, VINs, plates, region codes.

Every check returns the normalised value or raises `ValueError` with a message; the schemas turn
that into a 422 naming the field (pydantic), the import into a per-row error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError
from vininfo import Vin
from vininfo.exceptions import ValidationError as VinError

#: GB/T 2260 province-level codes (the first two digits of every region code).
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip

#: The one-character province abbreviations that start a mainland plate.
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Ordinary plates carry five characters after the issuing-office letter, new-energy ones six.
_PLATE = re.compile(
    rf"^[{_PLATE_PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}[挂学警])$"
)
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_REGION = re.compile(r"^\d{6}$")


class CheckError(ValueError):
    """A value that is not what the field needs; `code` is the stable field error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def region_code(value: str) -> str:
    value = value.strip()
    if not _REGION.match(value) or value[:2] not in PROVINCES:
        raise CheckError("unknown_region", f"{value!r} is not a GB/T 2260 region code")
    return value


def plate_no(value: str) -> str:
    value = value.strip().upper().replace(" ", "").replace("·", "")
    if not _PLATE.match(value):
        raise CheckError("invalid_plate", "not a mainland plate number such as 粤B12345")
    return value


@dataclass(frozen=True)
class VinCheck:
    vin: str
    checksum_ok: bool


def vin(value: str) -> VinCheck:
    """A malformed VIN is refused; a wrong check digit is only a warning (many are mistyped
    in one place, and the vehicle is still real)."""
    value = value.strip().upper()
    if not _VIN.match(value):
        raise CheckError("malformed_vin", "a VIN is 17 letters and digits, without I, O or Q")
    try:
        ok = bool(Vin(value).verify_checksum())
    except VinError:
        ok = False
    return VinCheck(value, ok)


def person_id(value: str) -> str:
    """居民身份证号码 (GB 11643), normalised (18 characters, upper-case X)."""
    try:
        return str(ric.validate(value.strip()))
    except StdnumError as exc:
        raise CheckError("invalid_id_number", "not a valid resident ID number") from exc


def company_id(value: str) -> str:
    """统一社会信用代码 (GB 32100)."""
    try:
        return str(uscc.validate(value.strip()))
    except StdnumError as exc:
        raise CheckError("invalid_id_number", "not a valid unified social credit code") from exc


def mobile(value: str) -> str:
    """A mainland mobile number as E.164 (+86…)."""
    try:
        number = phonenumbers.parse(value.strip(), "CN")
    except phonenumbers.NumberParseException as exc:
        raise CheckError("invalid_mobile", "not a phone number") from exc
    kind = phonenumbers.number_type(number)
    if not phonenumbers.is_valid_number(number) or kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise CheckError("invalid_mobile", "not a valid mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_id(value: str | None) -> str | None:
    """440***********123X: enough to tell two apart on a screen, not enough to use."""
    if not value:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "****"


def mask_mobile(value: str | None) -> str | None:
    """+8613812345678 → 138****5678."""
    if not value:
        return value
    local = value.removeprefix("+86")
    return local[:3] + "****" + local[-4:] if len(local) >= 7 else "****"
