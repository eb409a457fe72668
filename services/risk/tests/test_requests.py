"""Assessment requests: collected through REST with a reference (idempotent), validated field by
field, assessed at once when a scorecard is live, scoped to the applicant institution."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from servicekit.clock import FixedClock

Headers = Callable[..., dict[str, str]]
Body = Callable[..., dict[str, Any]]
Publish = Callable[..., Awaitable[dict[str, Any]]]


async def _count(client: httpx.AsyncClient, h: dict[str, str]) -> int:
    page = await client.get("/v1/requests", headers=h)
    assert page.status_code == 200, page.text
    return int(page.json()["total"])


async def test_filed_request_is_assessed_and_idempotent(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, publish: Publish,
    org_a: uuid.UUID, body: Body, vins: tuple[str, ...],
) -> None:  # fmt: skip
    await publish()
    h = headers(org_a)
    filed = body(reference="yy-0001")
    first = await client.post("/v1/requests", json=filed, headers=h)
    assert first.status_code == 201, first.text
    made = first.json()
    assert made["request_no"].startswith("PG20261015")
    assert made["org_id"] == str(org_a)
    # 60 base + 15 (age < 3) + 10 private + 10 mileage + 10 no damage + 0 vin ok + 5 photos
    assert (made["status"], made["latest_grade"], made["latest_decision"]) == (
        "assessed", "A", "accept",
    )  # fmt: skip
    assert made["vehicle_info"]["checksum_ok"] is True
    assert made["vehicle_info"]["manufacturer"]
    assert [s["to_status"] for s in made["trajectory"]] == ["submitted", "assessed"]
    assert [p["share"] for p in made["payees"]] == ["60.00", "40.00"]

    again = await client.post("/v1/requests", json=filed, headers=h)
    assert again.status_code == 200
    assert again.json()["request_no"] == made["request_no"]
    assert await _count(client, h) == 1

    other_vin = body(vins[1], reference="yy-0001")
    reused = await client.post("/v1/requests", json=other_vin, headers=h)
    assert reused.status_code == 409
    assert reused.json()["code"] == "reference_reused"
    assert reused.json()["errors"][0]["field"] == "body.reference"

    history = await client.get(f"/v1/requests/{made['id']}/assessments", headers=h)
    [assessment] = history.json()
    assert assessment["assessment_no"] == f"{made['request_no']}-01"
    assert assessment["scorecard_version"] == 1
    assert assessment["total_points"] == "110"
    assert {c["factor"]: c["points"] for c in assessment["contributions"]}["vehicle_age"] == "15"
    assert assessment["input_snapshot"]["vehicle_age_years"] == "2.58"

    sheet = await client.get(f"/v1/assessments/{assessment['id']}/sheet", headers=h)
    assert sheet.status_code == 200
    assert "风险评估单" in sheet.text and made["request_no"] in sheet.text


async def test_without_live_scorecard_request_waits(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID, body: Body
) -> None:
    made = await client.post("/v1/requests", json=body(), headers=headers(org_a))
    assert made.status_code == 201
    assert made.json()["status"] == "submitted"
    run = await client.post(f"/v1/requests/{made.json()['id']}/assessments", headers=headers(org_a))
    assert run.status_code == 409
    assert run.json()["code"] == "no_live_scorecard"


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"vehicle__vin": "LSVAM4187C218484O"}, "body.vehicle.vin", "value_error"),
    ({"vehicle__plate_no": "ABC"}, "body.vehicle.plate_no", "value_error"),
    ({"vehicle__region_code": "33"}, "body.vehicle.region_code", "value_error"),
    ({"vehicle__use_nature": "taxi"}, "body.vehicle.use_nature", "enum"),
    ({"vehicle__register_date": "2026-10-16"}, "body.vehicle.register_date", "in_future"),
    ({"insurer__code": "人保"}, "body.insurer.code", "value_error"),
    ({"inspection__form_version": "v9"}, "body.inspection.form_version", "unknown_form_version"),
    ({"inspection__document": {"place": "x"}}, "body.inspection.document.operator", "missing"),
    (
        {"payees": [{"subject": "p1", "name": "张三", "share": 60.0},
                    {"subject": "p2", "name": "李四", "share": "40.00"}]},
        "body.payees.0.share", "value_error",
    ),
    (
        {"payees": [{"subject": "p1", "name": "张三", "share": "60.00"},
                    {"subject": "p2", "name": "李四", "share": "39.99"}]},
        "body.payees", "shares_not_whole",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "code"), BAD_INPUT)
async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    changes: dict[str, Any], field: str, code: str, body: Body,
) -> None:  # fmt: skip
    h = headers(org_a)
    answer = await client.post("/v1/requests", json=body(**changes), headers=h)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "validation_failed"
    assert (problem["errors"][0]["field"], problem["errors"][0]["code"]) == (field, code)
    assert await _count(client, h) == 0


async def test_institution_b_never_sees_a(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, operator: dict[str, str],
    org_a: uuid.UUID, org_b: uuid.UUID, publish: Publish, body: Body,
) -> None:  # fmt: skip
    await publish()
    a, b = headers(org_a), headers(org_b, subject="clerk-b")
    made = (await client.post("/v1/requests", json=body(), headers=a)).json()
    [assessment] = (await client.get(f"/v1/requests/{made['id']}/assessments", headers=a)).json()

    for path in (
        f"/v1/requests/{made['id']}",
        f"/v1/requests/{made['id']}/assessments",
        f"/v1/assessments/{assessment['id']}",
        f"/v1/assessments/{assessment['id']}/sheet",
    ):
        seen = await client.get(path, headers=b)
        assert seen.status_code == 404, path
    for path in (f"/v1/requests/{made['id']}/assessments",
                 f"/v1/requests/{made['id']}/payees/confirm"):  # fmt: skip
        assert (await client.post(path, headers=b)).status_code == 404, path
    override = await client.post(
        f"/v1/requests/{made['id']}/assessments/override",
        json={"grade": "E", "decision": "decline", "reason": "试图越权"}, headers=b,
    )  # fmt: skip
    assert override.status_code == 404
    for q in (made["request_no"], made["vin"], "浙A"):
        page = (await client.get("/v1/requests", params={"q": q}, headers=b)).json()
        assert page["total"] == 0 and page["items"] == []
    # B may not file for A either
    forged = await client.post("/v1/requests", json=body(applicant_org_id=str(org_a)), headers=b)
    assert forged.status_code == 403
    assert forged.json()["errors"][0]["field"] == "body.applicant_org_id"
    # the platform sees both
    seen = await client.get(f"/v1/requests/{made['id']}", headers=operator)
    assert seen.status_code == 200


async def test_without_the_function_refused(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID, body: Body
) -> None:
    h = headers(org_a, functions=("risk.form.query",))
    answer = await client.post("/v1/requests", json=body(), headers=h)
    assert answer.status_code == 403
    assert answer.json()["code"] == "function_not_granted"


async def test_payee_split_is_confirmed_explicitly(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID, body: Body
) -> None:
    h = headers(org_a, subject="supervisor-1")
    made = (await client.post("/v1/requests", json=body(), headers=h)).json()
    assert made["payees_confirmed_by"] is None
    confirmed = await client.post(f"/v1/requests/{made['id']}/payees/confirm", headers=h)
    assert confirmed.status_code == 200
    assert confirmed.json()["payees_confirmed_by"] == "supervisor-1"
    assert confirmed.json()["payees_confirmed_at"].startswith("2026-10-15T08:00")


async def test_grade_distribution_is_scoped_by_insurer_and_month(
    client: httpx.AsyncClient, clock: FixedClock, headers: Headers, org_a: uuid.UUID,
    org_b: uuid.UUID, publish: Publish, body: Body, vins: tuple[str, ...],
) -> None:  # fmt: skip
    await publish()
    a = headers(org_a)
    await client.post("/v1/requests", json=body(vins[0]), headers=a)
    await client.post("/v1/requests", json=body(vins[1], vehicle__use_nature="operating_freight",
                                                 inspection__document__mileage_km=200000), headers=a)  # fmt: skip
    await client.post("/v1/requests", json=body(vins[2], insurer={"code": "CPIC", "name": "太平洋财险"}),
                      headers=a)  # fmt: skip
    await client.post("/v1/requests", json=body(vins[0]), headers=headers(org_b, subject="b"))
    rows = (await client.get("/v1/requests/grade-distribution", headers=a)).json()
    assert {(r["insurer_code"], r["month"], r["grade"], r["count"]) for r in rows} == {
        ("CPIC", "2026-10", "A", 1), ("PICC", "2026-10", "A", 1), ("PICC", "2026-10", "C", 1),
    }  # fmt: skip
    bad = await client.get("/v1/requests/grade-distribution", params={"months": 0}, headers=a)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.months"
