"""Pydantic field types for the checked identity data: a bad value is a 422 naming the field,
with the check's stable code (e.g. `body.owner.mobile` / `invalid_mobile`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from insurance.common import checks

INPUT = ConfigDict(extra="forbid", str_strip_whitespace=True)

#: Dates people type for vehicles and policies: anything outside is a typo, not a vehicle.
EARLIEST, LATEST = date(1950, 1, 1), date(2100, 12, 31)


def _checked(check: Callable[[str], Any]) -> Callable[[str], Any]:
    def run(value: str) -> Any:
        try:
            return check(value)
        except checks.CheckError as exc:
            raise PydanticCustomError(exc.code, str(exc)) from None

    return run


def _in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "date_out_of_range", f"the date must lie between {EARLIEST} and {LATEST}"
        )
    return value


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise PydanticCustomError(
            "float_not_accepted", "amounts are exact: send a string such as '1234.56'"
        )
    return value


RegionCode = Annotated[str, AfterValidator(_checked(checks.region_code))]
PlateNo = Annotated[str, AfterValidator(_checked(checks.plate_no))]
Mobile = Annotated[str, AfterValidator(_checked(checks.mobile))]
BusinessDate = Annotated[date, AfterValidator(_in_range)]
#: A money input: never a float (strings, ints or Decimals), checked for sign by the schema.
NoFloat = BeforeValidator(_no_float)
