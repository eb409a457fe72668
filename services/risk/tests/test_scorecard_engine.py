"""The scorecard engine: every band edge, hard stops, review triggers, Decimal points, and the
same input and version always giving the same grade and reasons. Pure: no database."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from risk.scorecards.definition import ScorecardDefinition
from risk.scorecards.engine import evaluate
from risk.scorecards.standard import STANDARD_V1

CARD = ScorecardDefinition.model_validate(STANDARD_V1)
#: A card whose total is exactly the one factor's points: band edges are tested through it.
EDGES = ScorecardDefinition.model_validate({
    "factors": [{"code": "m", "name": "里程", "source": "mileage_km", "bins": [
        {"max": "1", "points": "89.99"}, {"min": "1", "max": "2", "points": "90.00"},
        {"min": "2", "max": "3", "points": "74.99"}, {"min": "3", "max": "4", "points": "75"},
        {"min": "4", "max": "5", "points": "44.99"}, {"min": "5", "points": "0.01"},
    ]}],
    "bands": [
        {"grade": "A", "min_points": "90", "decision": "accept"},
        {"grade": "B", "min_points": "75", "decision": "accept"},
        {"grade": "D", "min_points": "45", "decision": "review"},
        {"grade": "E", "min_points": "0.01", "decision": "decline"},
    ],
})  # fmt: skip


def facts(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "vehicle_age_years": "2.58", "use_nature": "private", "region_code": "330100",
        "province_code": "330000", "insurer_code": "PICC", "vin_checksum_ok": True,
        "vin_country": "China", "manufacturer": "SAIC Volkswagen", "has_plate": True,
        "mileage_km": "32000", "damage_count": "0", "severe_damage_count": "0",
        "photo_count": "4", "modified": False, "flood_traces": False,
    }  # fmt: skip
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("mileage", "points", "grade", "decision"),
    [
        ("0", "89.99", "B", "accept"),  # one cent under A's edge
        ("1", "90.00", "A", "accept"),  # exactly on A's edge
        ("2", "74.99", "D", "review"),
        ("3", "75", "B", "accept"),  # exactly on B's edge
        ("4", "44.99", "E", "decline"),
        ("5", "0.01", "E", "decline"),  # the lowest band's edge
    ],
)
def test_band_edges(mileage: str, points: str, grade: str, decision: str) -> None:
    result = evaluate(EDGES, {"mileage_km": mileage})
    assert result.total == Decimal(points)
    assert (result.grade, result.decision.value) == (grade, decision)


def test_below_every_band_is_the_lowest() -> None:
    card = EDGES.model_copy(deep=True)
    card.base_points = Decimal("-50")
    assert evaluate(card, {"mileage_km": "5"}).grade == "E"


def test_contributions_are_the_reasons() -> None:
    result = evaluate(CARD, facts())
    assert result.total == Decimal(110)
    assert [(c.factor, str(c.points), c.matched) for c in result.contributions] == [
        ("vehicle_age", "15", "3年以内"), ("use_nature", "10", "private"),
        ("mileage", "10", "5万公里以内"), ("damage", "10", "无损伤"),
        ("vin_checksum", "0", "true"), ("photos", "5", "4张及以上"),
    ]  # fmt: skip
    assert (result.grade, result.decision.value) == ("A", "accept")


def test_hard_stop_declines_whatever_the_points() -> None:
    result = evaluate(CARD, facts(flood_traces=True))
    assert result.grade == "A"
    assert (result.decision.value, result.hard_stops) == ("decline", ("flood",))
    assert evaluate(CARD, facts(severe_damage_count="3")).decision.value == "decline"
    assert evaluate(CARD, facts(severe_damage_count="2")).decision.value == "accept"


def test_review_trigger_sends_an_accept_to_review() -> None:
    result = evaluate(CARD, facts(modified=True))
    assert (result.decision.value, result.review_triggers) == ("review", ("modified",))
    # a trigger never softens a decline
    declined = evaluate(CARD, facts(modified=True, flood_traces=True))
    assert declined.decision.value == "decline"


def test_missing_fact_scores_the_default() -> None:
    f = facts()
    del f["mileage_km"]
    mileage = evaluate(CARD, f).contributions[2]
    assert (mileage.points, mileage.matched) == (Decimal(0), "default")


@settings(max_examples=200, deadline=None)
@given(
    age=st.decimals(min_value=0, max_value=40, places=2),
    mileage=st.integers(min_value=0, max_value=900_000),
    damage=st.integers(min_value=0, max_value=8),
    nature=st.sampled_from(["private", "non_operating", "operating_passenger",
                            "operating_freight", "unknown"]),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)  # fmt: skip
def test_deterministic_and_total_is_the_sum(
    age: Decimal, mileage: int, damage: int, nature: str, flags: tuple[bool, bool, bool]
) -> None:
    f = facts(vehicle_age_years=str(age), mileage_km=str(mileage), damage_count=str(damage),
              use_nature=nature, vin_checksum_ok=flags[0], modified=flags[1],
              flood_traces=flags[2])  # fmt: skip
    first, second = evaluate(CARD, f), evaluate(CARD, copy.deepcopy(f))
    assert first == second
    assert first.total == CARD.base_points + sum(c.points for c in first.contributions)
    assert first.decision.value == "decline" if flags[2] else True


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (lambda d: d["factors"][1].update(source="colour"), ("factors", 1, "source")),
        (lambda d: d["factors"][0]["bins"][0].update(points=15.0), ("factors", 0, "bins", 0,
                                                                    "points")),
        (lambda d: d["factors"][0]["bins"][1].update(min="2"), ("factors", 0, "bins", 1)),
        (lambda d: d["bands"].reverse(), ("bands",)),
        (lambda d: d["hard_stops"][1].update(value="many"), ("hard_stops", 1, "value")),
    ],
)  # fmt: skip
def test_bad_definitions_name_the_place(change: Any, loc: tuple[Any, ...]) -> None:
    data = copy.deepcopy(STANDARD_V1)
    change(data)
    with pytest.raises(ValidationError) as caught:
        ScorecardDefinition.model_validate(data)
    assert tuple(caught.value.errors()[0]["loc"])[: len(loc)] == loc
