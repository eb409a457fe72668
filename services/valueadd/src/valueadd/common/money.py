"""Money at valueadd's API: yuan as a string with at most two decimals, stored as integer fen."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

_CENT = Decimal("0.01")
#: Far above any coupon or mall price, far below BIGINT fen overflow when summed.
MAX_YUAN = Decimal("99999999.99")


def _exact(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("send a decimal string such as '12.30', not a JSON float or bool")
    if isinstance(value, str | int | Decimal):
        try:
            exact = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("not an amount; send a decimal string such as '12.30'") from None
        if not exact.is_finite():
            raise ValueError("not an amount")
        if exact != exact.quantize(_CENT):
            raise ValueError("use at most two decimal places (whole fen)")
        return exact
    return value


def _in_range(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_YUAN:
        raise ValueError(f"must be at most {MAX_YUAN}")
    return value.quantize(_CENT)


#: A non-negative CNY amount in yuan, exact to the fen; JSON "12.30".
Yuan = Annotated[
    Decimal,
    BeforeValidator(_exact),
    AfterValidator(_in_range),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "examples": ["12.30"]}),
]


def to_fen(value: Decimal) -> int:
    return int(value.quantize(_CENT).scaleb(2))


def from_fen(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(_CENT)
