"""A scorecard is data (评分卡): factors with bins or categories and their points, grade bands,
hard stops (deny) and review triggers (manual review). This module is its schema and the
catalogue of facts a factor or rule may read; `engine.py` evaluates it.

Points are Decimal; a JSON float is refused everywhere, so a stored card reads back exactly."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from servicekit.validation import field_error


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("floats are inexact; pass points and limits as strings such as '12.5'")
    return value


Points = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=-1000, le=1000, decimal_places=2)]
Limit = Annotated[Decimal, BeforeValidator(_no_float), Field(decimal_places=4)]

FactKind = Literal["number", "category", "bool"]

#: Every fact an assessment's input snapshot holds: kind and Chinese label.
FACTS: dict[str, tuple[FactKind, str]] = {
    "vehicle_age_years": ("number", "车龄（年）"),
    "use_nature": ("category", "使用性质"),
    "region_code": ("category", "地区"),
    "province_code": ("category", "省份"),
    "insurer_code": ("category", "保险公司"),
    "vin_checksum_ok": ("bool", "车架号校验位正确"),
    "vin_country": ("category", "车架号产地"),
    "manufacturer": ("category", "制造商"),
    "has_plate": ("bool", "已上牌"),
    "mileage_km": ("number", "表显里程（公里）"),
    "damage_count": ("number", "损伤项数"),
    "severe_damage_count": ("number", "严重损伤项数"),
    "photo_count": ("number", "照片数"),
    "modified": ("bool", "改装"),
    "flood_traces": ("bool", "泡水痕迹"),
}


class Decision(StrEnum):
    accept = "accept"  # 通过
    review = "review"  # 人工复核
    decline = "decline"  # 拒绝


DECISION_ZH = {Decision.accept: "通过", Decision.review: "人工复核", Decision.decline: "拒绝"}


class Bin(BaseModel):
    """[min, max): min inclusive, max exclusive; None is open-ended."""

    model_config = ConfigDict(extra="forbid")

    min: Limit | None = None
    max: Limit | None = None
    points: Points
    label: str | None = Field(default=None, max_length=40)


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: str = Field(min_length=1, max_length=40)
    source: str = Field(description="A fact of the input snapshot (GET /v1/scorecards/facts)")
    bins: list[Bin] = Field(default_factory=list, max_length=40)
    #: For category and bool facts: value → points ("true"/"false" for bools).
    categories: dict[str, Points] = Field(default_factory=dict)
    #: Points when no bin or category matches (or the fact is missing).
    default_points: Points = Decimal(0)

    @model_validator(mode="after")
    def _fits_its_fact(self) -> Self:
        fact = FACTS.get(self.source)
        if fact is None:
            raise field_error(
                "Factor", ("source",), "unknown_fact",
                f"unknown fact {self.source!r}; known: {', '.join(FACTS)}", self.source,
            )  # fmt: skip
        kind = fact[0]
        if kind == "number":
            if not self.bins or self.categories:
                raise field_error(
                    "Factor", ("bins",), "bins_required",
                    "a numeric fact is scored by bins (and no categories)", None,
                )  # fmt: skip
            for i, b in enumerate(self.bins):
                if b.min is not None and b.max is not None and b.min >= b.max:
                    raise field_error(
                        "Factor", ("bins", i), "empty_bin", "a bin's min must be below its max",
                        [str(b.min), str(b.max)],
                    )  # fmt: skip
                before = self.bins[i - 1].max if i else None
                if i and (before is None or b.min is None or b.min < before):
                    raise field_error(
                        "Factor", ("bins", i), "bins_overlap",
                        "bins must be in ascending order without overlaps", None,
                    )  # fmt: skip
        else:
            if self.bins or not self.categories:
                raise field_error(
                    "Factor", ("categories",), "categories_required",
                    "a category or yes/no fact is scored by categories (and no bins)", None,
                )  # fmt: skip
            if kind == "bool" and not set(self.categories) <= {"true", "false"}:
                raise field_error(
                    "Factor", ("categories",), "bool_categories",
                    "a yes/no fact's categories are 'true' and 'false'", list(self.categories),
                )  # fmt: skip
        return self


class Band(BaseModel):
    """Totals at or above `min_points` (and below the band above) get this grade."""

    model_config = ConfigDict(extra="forbid")

    grade: str = Field(pattern=r"^[A-Z][A-Z0-9+-]{0,3}$")
    min_points: Points
    decision: Decision


Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "in"]


class Rule(BaseModel):
    """A hard stop (deny) or review trigger: `<fact> <op> <value>`."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: str = Field(min_length=1, max_length=60)
    source: str
    op: Op
    value: Annotated[Any, BeforeValidator(_no_float)]

    @model_validator(mode="after")
    def _fits_its_fact(self) -> Self:
        fact = FACTS.get(self.source)
        if fact is None:
            raise field_error(
                "Rule", ("source",), "unknown_fact",
                f"unknown fact {self.source!r}; known: {', '.join(FACTS)}", self.source,
            )  # fmt: skip
        kind = fact[0]
        if self.op == "in":
            if not isinstance(self.value, list) or not self.value:
                raise field_error(
                    "Rule", ("value",), "list_required", "'in' takes a non-empty list", self.value
                )
            self.value = [str(v) for v in self.value]
        elif kind == "number":
            try:
                self.value = Decimal(str(self.value))
            except Exception:
                raise field_error(
                    "Rule",
                    ("value",),
                    "number_required",
                    "a numeric fact compares with a number",
                    self.value,
                ) from None
        elif kind == "bool":
            if not isinstance(self.value, bool) or self.op not in ("eq", "ne"):
                raise field_error(
                    "Rule",
                    ("value",),
                    "bool_required",
                    "a yes/no fact compares eq/ne with true or false",
                    self.value,
                )
        else:
            if self.op not in ("eq", "ne"):
                raise field_error(
                    "Rule",
                    ("op",),
                    "category_op",
                    "a category fact compares with eq, ne or in",
                    self.op,
                )
            self.value = str(self.value)
        return self


class ScorecardDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_points: Points = Decimal(0)
    factors: list[Factor] = Field(min_length=1, max_length=60)
    bands: list[Band] = Field(min_length=1, max_length=12)
    hard_stops: list[Rule] = Field(default_factory=list, max_length=30)
    review_triggers: list[Rule] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        codes = [f.code for f in self.factors]
        if len(set(codes)) != len(codes):
            raise field_error(
                "ScorecardDefinition",
                ("factors",),
                "factor_repeated",
                "factor codes must be distinct",
                codes,
            )
        grades = [b.grade for b in self.bands]
        if len(set(grades)) != len(grades):
            raise field_error(
                "ScorecardDefinition",
                ("bands",),
                "grade_repeated",
                "grades must be distinct",
                grades,
            )
        mins = [b.min_points for b in self.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise field_error(
                "ScorecardDefinition",
                ("bands",),
                "bands_unordered",
                "bands go from the highest min_points down, each distinct",
                [str(m) for m in mins],
            )
        return self
