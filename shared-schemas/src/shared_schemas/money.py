"""Exact CNY amounts: Decimal with two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

from shared_schemas.base import ContractModel

_CENT = Decimal("0.01")


def _reject_float(value: Any) -> Any:
    # A float has already lost exactness (0.1 + 0.2 != 0.3), so it is refused at the door
    # rather than rounded into a plausible-looking wrong amount. bool is an int subclass but
    # is never an amount.
    if isinstance(value, float):
        raise ValueError(
            "float amounts are not accepted because they are inexact; pass a string such as "
            "'12.30', a Decimal, or integer fen via Money.from_fen()"
        )
    if isinstance(value, bool):
        raise ValueError("a bool is not an amount")
    return value


def _quantize(value: Decimal) -> Decimal:
    try:
        quantized = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:  # too many digits for the decimal context
        raise ValueError("amount is out of range") from exc
    # Normalise -0.00 to 0.00 so equal amounts serialise identically.
    return quantized.copy_abs() if quantized.is_zero() else quantized


def _to_wire(value: Decimal) -> str:
    return f"{value:.2f}"


AmountCNY = Annotated[
    Decimal,
    BeforeValidator(_reject_float),
    AfterValidator(_quantize),
    PlainSerializer(_to_wire, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d+\.\d{2}$",
            "description": "CNY amount in yuan with exactly two decimal places, as a string.",
            "examples": ["12.30"],
        }
    ),
]
"""A bare CNY amount in yuan: str/int/Decimal in (int means whole yuan), quantised to 0.01
with ROUND_HALF_UP, serialised to JSON as a string such as "12.30"."""


class Money(ContractModel):
    """An exact CNY amount. Negative values are allowed (refunds, red invoices, differences)."""

    amount: AmountCNY
    currency: Literal["CNY"] = "CNY"

    @classmethod
    def from_fen(cls, fen: int) -> Money:
        """Build from integer fen (分), the unit many payment channels report in."""
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise TypeError(f"fen must be an int, got {type(fen).__name__}")
        return cls(amount=Decimal(fen).scaleb(-2))

    @classmethod
    def zero(cls) -> Money:
        return cls(amount=Decimal(0))

    @property
    def fen(self) -> int:
        """The amount in integer fen; exact because the amount is always quantised to 0.01."""
        return int(self.amount.scaleb(2))

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(amount=self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(amount=self.amount - other.amount)

    # Only Money compares with Money: comparing with a bare number would silently accept a float.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{_to_wire(self.amount)} {self.currency}"
