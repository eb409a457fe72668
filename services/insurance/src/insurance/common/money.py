"""Money as people send it (yuan strings, exact) and as it is stored (integer fen)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_YUAN = Decimal("9999999999.99")


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise PydanticCustomError(
            "float_not_accepted", "amounts are exact: send a string such as '1234.56'"
        )
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise PydanticCustomError("invalid_amount", "not an amount") from None
    return value


def _exact(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise PydanticCustomError("invalid_amount", "not an amount")
    if value < 0:
        raise PydanticCustomError("negative_amount", "the amount must not be negative")
    if value > MAX_YUAN:
        raise PydanticCustomError("amount_too_large", f"the amount must not exceed {MAX_YUAN}")
    if value != value.quantize(Decimal("0.01")):
        raise PydanticCustomError("too_many_decimals", "at most two decimal places (fen)")
    return value.quantize(Decimal("0.01"))


#: A non-negative CNY amount in yuan with at most two places; JSON string out.
Yuan = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    AfterValidator(_exact),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "examples": ["1234.56"]}),
]


def to_fen(yuan: Decimal) -> int:
    return int(yuan.scaleb(2))


def to_yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))
