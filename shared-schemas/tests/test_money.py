from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared_schemas import AmountCNY, Money


def test_point_one_plus_point_two_is_exactly_point_three() -> None:
    total = Money(amount="0.1") + Money(amount="0.2")
    assert total == Money(amount="0.3")
    assert total.amount == Decimal("0.30")
    assert total.model_dump_json() == '{"amount":"0.30","currency":"CNY"}'


@pytest.mark.parametrize("bad", [0.1, 12.0, float("nan")])
def test_float_is_rejected_with_a_hint(bad: float) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert "float" in message and "string" in message and "fen" in message


def test_json_number_with_fraction_is_rejected() -> None:
    # JSON numbers with a fraction arrive as Python floats: refused like floats.
    with pytest.raises(ValidationError, match="float"):
        Money.model_validate_json('{"amount": 12.3, "currency": "CNY"}')


def test_bool_is_not_an_amount() -> None:
    with pytest.raises(ValidationError):
        Money(amount=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12.345", "12.35"),  # half up
        ("12.344", "12.34"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),  # half up = away from zero
        ("2.5", "2.50"),
        (12, "12.00"),  # an int is whole yuan
        (Decimal("7"), "7.00"),
        ("-0.001", "0.00"),  # no negative zero
    ],
)
def test_quantised_to_cents_half_up(given: Any, expected: str) -> None:
    money = Money(amount=given)
    assert str(money.amount) == expected
    assert json.loads(money.model_dump_json())["amount"] == expected


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", "1e40"])
def test_non_finite_or_garbage_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=bad)


def test_only_cny() -> None:
    with pytest.raises(ValidationError):
        Money(amount="1", currency="USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("fen", [0, 1, 10, 1230, -5, 123456789012])
def test_fen_round_trip(fen: int) -> None:
    money = Money.from_fen(fen)
    assert money.fen == fen
    assert money.amount == Decimal(fen) / 100


def test_from_fen_gives_exact_amount() -> None:
    assert Money.from_fen(1230).amount == Decimal("12.30")
    assert str(Money.from_fen(1230)) == "12.30 CNY"


@pytest.mark.parametrize("bad", [12.3, True, "1230"])
def test_from_fen_needs_an_int(bad: Any) -> None:
    with pytest.raises(TypeError):
        Money.from_fen(bad)


def test_json_round_trip_keeps_exact_value() -> None:
    money = Money(amount="99999999.99")
    raw = money.model_dump_json()
    assert json.loads(raw) == {"amount": "99999999.99", "currency": "CNY"}
    assert Money.model_validate_json(raw) == money


def test_arithmetic_and_ordering() -> None:
    a, b = Money(amount="10.00"), Money(amount="2.50")
    assert a - b == Money(amount="7.50")
    assert b - a == Money(amount="-7.50")
    assert Money.zero() + a == a
    assert Money.zero().fen == 0
    assert b < a and b <= a and a > b and a >= b and a >= Money(amount="10")
    assert sorted([a, Money.zero(), b]) == [Money.zero(), b, a]


def test_no_mixing_with_bare_numbers() -> None:
    with pytest.raises(TypeError):
        _ = Money(amount="1") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Money(amount="1") < 2  # type: ignore[operator]


def test_frozen() -> None:
    money = Money(amount="1")
    with pytest.raises(ValidationError):
        money.amount = Decimal("2")  # type: ignore[misc]


class _Line(BaseModel):
    price: AmountCNY


def test_amount_type_in_a_plain_field() -> None:
    assert _Line(price="3.456").model_dump_json() == '{"price":"3.46"}'  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="float"):
        _Line(price=3.5)  # type: ignore[arg-type]
    assert TypeAdapter(AmountCNY).validate_python("1") == Decimal("1.00")
    schema = TypeAdapter(AmountCNY).json_schema(mode="serialization")
    assert schema["type"] == "string"
