"""Evaluates a scorecard over one input snapshot: pure, deterministic, Decimal throughout.

Plain Python over the data rather than a rule engine (docs/adr/0010-risk-scorecard-engine.md):
bins, categories, bands and rules are a handful of comparisons per factor, and every factor's
contribution is the trace itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from risk.scorecards.definition import FACTS, Band, Decision, Factor, Rule, ScorecardDefinition


@dataclass(frozen=True)
class Contribution:
    factor: str
    name: str
    source: str
    value: Any
    points: Decimal
    matched: str  # the bin's or category's label, or "default"

    def as_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "name": self.name,
            "source": self.source,
            "value": self.value,
            "points": str(self.points),
            "matched": self.matched,
        }


@dataclass(frozen=True)
class Result:
    total: Decimal
    grade: str
    decision: Decision
    contributions: tuple[Contribution, ...]
    hard_stops: tuple[str, ...]
    review_triggers: tuple[str, ...]


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _category(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bin_label(lo: Decimal | None, hi: Decimal | None) -> str:
    return f"[{'' if lo is None else lo}, {'' if hi is None else hi})"


def score(factor: Factor, facts: dict[str, Any]) -> Contribution:
    value = facts.get(factor.source)
    if FACTS[factor.source][0] == "number":
        number = _number(value)
        if number is not None:
            for b in factor.bins:
                if (b.min is None or number >= b.min) and (b.max is None or number < b.max):
                    label = b.label or _bin_label(b.min, b.max)
                    return Contribution(
                        factor.code, factor.name, factor.source, value, b.points, label
                    )
    else:
        key = _category(value)
        if key is not None and key in factor.categories:
            return Contribution(
                factor.code, factor.name, factor.source, value, factor.categories[key], key
            )
    return Contribution(
        factor.code, factor.name, factor.source, value, factor.default_points, "default"
    )


def holds(rule: Rule, facts: dict[str, Any]) -> bool:
    value = facts.get(rule.source)
    if value is None:
        return False
    if rule.op == "in":
        return _category(value) in rule.value
    if FACTS[rule.source][0] == "number":
        a, b = _number(value), rule.value
        if a is None:
            return False
        return {
            "eq": a == b, "ne": a != b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b,
        }[rule.op]  # fmt: skip
    expected = rule.value if FACTS[rule.source][0] == "bool" else str(rule.value)
    actual = value if FACTS[rule.source][0] == "bool" else _category(value)
    return (actual == expected) if rule.op == "eq" else (actual != expected)


def band_for(bands: list[Band], total: Decimal) -> Band:
    """The first band (highest min first) whose min the total reaches; below all: the lowest."""
    for band in bands:
        if total >= band.min_points:
            return band
    return bands[-1]


def evaluate(card: ScorecardDefinition, facts: dict[str, Any]) -> Result:
    contributions = tuple(score(f, facts) for f in card.factors)
    total = card.base_points + sum((c.points for c in contributions), Decimal(0))
    band = band_for(card.bands, total)
    stops = tuple(r.code for r in card.hard_stops if holds(r, facts))
    triggers = tuple(r.code for r in card.review_triggers if holds(r, facts))
    if stops:
        decision = Decision.decline
    elif triggers and band.decision is Decision.accept:
        decision = Decision.review
    else:
        decision = band.decision
    return Result(total, band.grade, decision, contributions, stops, triggers)
