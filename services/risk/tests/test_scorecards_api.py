"""Scorecard versions through the API: drafts, what-if against the live version, publishing;
a new version never changes a stored assessment; re-assessing and overriding add new ones."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from risk.scorecards.standard import STANDARD_V1
from servicekit.clock import FixedClock

Headers = Callable[..., dict[str, str]]
Body = Callable[..., dict[str, Any]]
Publish = Callable[..., Awaitable[dict[str, Any]]]


def stricter() -> dict[str, Any]:
    """v2: vehicles from 3 years on lose points, so the A of a 2.58-year-old car stays A but a
    4-year-old car drops from A (103) to B (85)."""
    card = copy.deepcopy(STANDARD_V1)
    card["factors"][0]["bins"][1]["points"] = "-10"
    return card


async def test_v2_never_changes_a_stored_v1_assessment(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, operator: dict[str, str],
    org_a: uuid.UUID, publish: Publish, body: Body, card_code: str,
) -> None:  # fmt: skip
    v1 = await publish()
    h = headers(org_a)
    await client.post("/v1/requests", json=body(), headers=h)
    older = (
        await client.post("/v1/requests", json=body(vehicle__register_date="2022-06-01"), headers=h)
    ).json()  # fmt: skip
    [before] = (await client.get(f"/v1/requests/{older['id']}/assessments", headers=h)).json()
    assert (before["grade"], before["total_points"]) == ("A", "103")

    draft = await client.post(
        "/v1/scorecards",
        json={"code": card_code, "name": "车辆评分卡 v2", "effective_from": "2026-10-16",
              "definition": stricter()},
        headers=operator,
    )  # fmt: skip
    assert draft.status_code == 201, draft.text
    assert draft.json()["version"] == 2 and draft.json()["status"] == "draft"
    card_id = draft.json()["id"]

    early = await client.post(f"/v1/scorecards/{card_id}/publish", headers=operator)
    assert early.status_code == 409 and early.json()["code"] == "what_if_required"

    compared = await client.post(
        f"/v1/scorecards/{card_id}/what-if", params={"org_id": str(org_a)}, headers=operator
    )
    assert compared.status_code == 200, compared.text
    what_if = compared.json()
    assert (what_if["compared"], what_if["grade_changed"], what_if["live_version"]) == (2, 1, 1)
    assert what_if["examples"] == [older["request_no"]]
    assert {(s["from_grade"], s["to_grade"], s["count"]) for s in what_if["shifts"]} == {
        ("A", "A", 1), ("A", "B", 1),
    }  # fmt: skip

    published = await client.post(f"/v1/scorecards/{card_id}/publish", headers=operator)
    assert published.status_code == 200, published.text
    assert published.json()["live"] is False  # effective tomorrow
    edit = await client.patch(f"/v1/scorecards/{card_id}", json={"name": "改名"}, headers=operator)
    assert edit.status_code == 409 and edit.json()["code"] == "scorecard_published"

    clock.advance(days=1)
    cards = (await client.get("/v1/scorecards", params={"code": card_code}, headers=h)).json()
    assert [(c["version"], c["live"]) for c in cards] == [(2, True), (1, False)]
    again = await client.post(f"/v1/requests/{older['id']}/assessments", headers=h)
    assert again.status_code == 201, again.text
    assert (again.json()["scorecard_version"], again.json()["grade"]) == (2, "B")
    assert again.json()["assessment_no"].endswith("-02")

    history = (await client.get(f"/v1/requests/{older['id']}/assessments", headers=h)).json()
    assert [a["scorecard_version"] for a in history] == [1, 2]
    assert history[0] == before  # the stored v1 assessment, untouched
    stored_v1 = await client.get(f"/v1/scorecards/{v1['id']}", headers=h)
    assert stored_v1.json()["definition"] == v1["definition"]


async def test_override_records_who_why_and_before(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    publish: Publish, body: Body,
) -> None:  # fmt: skip
    await publish()
    h = headers(org_a, subject="reviewer-7")
    made = (
        await client.post("/v1/requests", json=body(inspection__document__modified=True),
                          headers=h)
    ).json()  # fmt: skip
    assert (made["status"], made["latest_decision"]) == ("review", "review")
    over = await client.post(
        f"/v1/requests/{made['id']}/assessments/override",
        json={"grade": "B", "decision": "accept", "reason": "改装已备案，复核通过"}, headers=h,
    )  # fmt: skip
    assert over.status_code == 201, over.text
    o = over.json()
    assert (o["kind"], o["grade"], o["decision"], o["grade_before"], o["decision_before"]) == (
        "override", "B", "accept", "A", "review",
    )  # fmt: skip
    assert (o["assessed_by"], o["reason"]) == ("reviewer-7", "改装已备案，复核通过")
    detail = (await client.get(f"/v1/requests/{made['id']}", headers=h)).json()
    assert detail["status"] == "assessed" and detail["latest_grade"] == "B"
    assert [s["to_status"] for s in detail["trajectory"]] == ["submitted", "review", "assessed"]
    bad = await client.post(
        f"/v1/requests/{made['id']}/assessments/override",
        json={"grade": "B", "decision": "maybe", "reason": "x"}, headers=h,
    )  # fmt: skip
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"body.decision", "body.reason"}


async def test_scorecards_are_the_platforms(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, operator: dict[str, str],
    org_a: uuid.UUID, card_code: str,
) -> None:  # fmt: skip
    payload = {"code": card_code, "name": "x", "effective_from": "2026-10-15",
               "definition": STANDARD_V1}  # fmt: skip
    refused = await client.post("/v1/scorecards", json=payload, headers=headers(org_a))
    assert refused.status_code == 403 and refused.json()["code"] == "platform_operator_only"
    bad = copy.deepcopy(STANDARD_V1)
    bad["factors"][2]["source"] = "colour"
    unknown = await client.post(
        "/v1/scorecards", json={**payload, "definition": bad}, headers=operator
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.definition.factors.2.source"
    assert unknown.json()["errors"][0]["code"] == "unknown_fact"
    past = await client.post(
        "/v1/scorecards", json={**payload, "effective_from": "2026-10-01"}, headers=operator
    )
    card_id = past.json()["id"]
    await client.post(f"/v1/scorecards/{card_id}/what-if", headers=operator)
    refused_past = await client.post(f"/v1/scorecards/{card_id}/publish", headers=operator)
    assert refused_past.status_code == 422 and refused_past.json()["code"] == "effective_in_past"
    listed = await client.get("/v1/scorecards", params={"code": card_code}, headers=operator)
    assert [c["status"] for c in listed.json()] == ["draft"]


async def test_what_if_counts_only_what_the_caller_may_see(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, operator: dict[str, str],
    org_a: uuid.UUID, org_b: uuid.UUID, publish: Publish, body: Body, card_code: str,
) -> None:  # fmt: skip
    await publish()
    await client.post("/v1/requests", json=body(), headers=headers(org_a))
    await client.post("/v1/requests", json=body(), headers=headers(org_a))
    b = headers(org_b, subject="clerk-b")
    await client.post("/v1/requests", json=body(), headers=b)
    draft = await client.post(
        "/v1/scorecards",
        json={"code": card_code, "name": "v2", "effective_from": "2026-10-20",
              "definition": stricter()},
        headers=operator,
    )  # fmt: skip
    seen_by_b = await client.post(f"/v1/scorecards/{draft.json()['id']}/what-if", headers=b)
    assert seen_by_b.json()["compared"] == 1
    only_a = await client.post(
        f"/v1/scorecards/{draft.json()['id']}/what-if", params={"org_id": str(org_a)},
        headers=operator,
    )  # fmt: skip
    assert only_a.json()["compared"] == 2
