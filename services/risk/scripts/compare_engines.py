"""Scores the same scorecard over the same snapshots with the plain-Python engine and with
zen-engine decision tables (one table per factor, hit policy "first"), checks both agree, and
prints each one's rate. The measurement behind docs/adr/0010-risk-scorecard-engine.md:

    uv run --no-sync python services/risk/scripts/compare_engines.py [n]
"""

from __future__ import annotations

import json
import random
import sys
import time
from decimal import Decimal
from typing import Any

import zen

from risk.scorecards.definition import FACTS, ScorecardDefinition
from risk.scorecards.engine import evaluate
from risk.scorecards.standard import STANDARD_V1


def to_jdm(card: ScorecardDefinition) -> dict[str, Any]:
    """The card's factors as decision tables between one input and one output node."""
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "inputNode", "name": "facts",
                                    "position": {"x": 0, "y": 0}}]  # fmt: skip
    edges = []
    for n, f in enumerate(card.factors):
        rules = []
        if FACTS[f.source][0] == "number":
            for i, b in enumerate(f.bins):
                cond = " and ".join(
                    filter(None, (f"$ >= {b.min}" if b.min is not None else "",
                                  f"$ < {b.max}" if b.max is not None else ""))
                )  # fmt: skip
                rules.append({"_id": f"r{i}", "i": cond, "o": str(b.points)})
        else:
            for i, (key, points) in enumerate(f.categories.items()):
                literal = key if key in ("true", "false") else json.dumps(key)
                rules.append({"_id": f"r{i}", "i": literal, "o": str(points)})
        rules.append({"_id": "default", "i": "", "o": str(f.default_points)})
        nodes.append({
            "id": f"t{n}", "type": "decisionTableNode", "name": f.code,
            "position": {"x": 200, "y": n * 100},
            "content": {"hitPolicy": "first",
                        "inputs": [{"id": "i", "name": f.source, "field": f.source}],
                        "outputs": [{"id": "o", "name": f.code, "field": f.code}],
                        "rules": rules},
        })  # fmt: skip
        edges += [
            {"id": f"a{n}", "sourceId": "in", "targetId": f"t{n}", "type": "edge"},
            {"id": f"b{n}", "sourceId": f"t{n}", "targetId": "out", "type": "edge"},
        ]
    nodes.append({"id": "out", "type": "outputNode", "name": "points",
                  "position": {"x": 400, "y": 0}})  # fmt: skip
    return {"nodes": nodes, "edges": edges}


def snapshots(n: int) -> list[dict[str, Any]]:
    rnd = random.Random(7)
    return [
        {"vehicle_age_years": str(Decimal(rnd.randint(0, 2000)) / 100),
         "use_nature": rnd.choice(["private", "non_operating", "operating_freight"]),
         "mileage_km": str(rnd.randint(0, 300_000)), "damage_count": str(rnd.randint(0, 5)),
         "severe_damage_count": str(rnd.randint(0, 3)), "photo_count": str(rnd.randint(0, 8)),
         "vin_checksum_ok": rnd.random() > 0.1, "modified": rnd.random() > 0.9,
         "flood_traces": rnd.random() > 0.97}
        for _ in range(n)
    ]  # fmt: skip


def zen_numbers(facts: dict[str, Any]) -> dict[str, Any]:
    # zen's expression language compares numbers, so numeric facts go in as numbers.
    return {k: (float(v) if FACTS[k][0] == "number" else v) for k, v in facts.items()}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    card = ScorecardDefinition.model_validate(STANDARD_V1)
    data = snapshots(n)
    started = time.perf_counter()
    plain = [evaluate(card, f) for f in data]
    plain_s = time.perf_counter() - started

    decision = zen.ZenEngine().create_decision(json.dumps(to_jdm(card)))
    inputs = [zen_numbers(f) for f in data]
    started = time.perf_counter()
    zen_out = [decision.evaluate(f)["result"] for f in inputs]
    zen_s = time.perf_counter() - started

    disagree = 0
    for p, z in zip(plain, zen_out, strict=True):
        points = {c.factor: c.points for c in p.contributions}
        if any(Decimal(str(z[k])) != v for k, v in points.items()):
            disagree += 1
    print(f"snapshots: {n}, factors: {len(card.factors)}")
    print(f"plain Python: {n / plain_s:,.0f}/s (grade, decision, reasons included)")
    print(f"zen-engine decision tables: {n / zen_s:,.0f}/s (factor points only)")
    print(f"factor points disagreeing: {disagree}")


if __name__ == "__main__":
    main()
