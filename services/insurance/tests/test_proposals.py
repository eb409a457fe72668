"""Proposals (投保单) through the transition table; issuing makes policies and publishes them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text


async def outbox_events(app: FastAPI, event_type: str, key: str) -> list[dict[str, Any]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox_messages WHERE event_type = :t AND message_key = :k"),
            {"t": event_type, "k": key},
        )
        return [json.loads(b) for (b,) in rows]


async def test_push_to_issue_records_every_step_and_makes_one_policy_per_line(
    api: Any, app: FastAPI, read_topic: Any
) -> None:
    proposal = await api.proposal()
    assert proposal["status"] == "awaiting_quote"
    assert proposal["proposal_no"].startswith("TB20261102")
    assert proposal["next_actions"] == ["quote", "give_up"]
    path = f"/v1/proposals/{proposal['id']}"
    quoted = await api.ok("POST", f"{path}/quote", json=api.QUOTE)
    # Totals are the sum of the items, exactly.
    assert [ln["premium"] for ln in quoted["lines"]] == ["3330.85", "950.00"]
    assert quoted["premium"] == "4280.85"
    await api.ok("POST", f"{path}/submit", json={"note": "资料齐全"})
    await api.ok("POST", f"{path}/decline", json={"note": "需补充行驶证"})
    await api.ok("POST", f"{path}/submit", json={})
    issued = await api.ok(
        "POST", f"{path}/issue",
        json={"sign_date": "2026-11-01",
              "policy_nos": [{"line": "car_commercial", "policy_no": "PDAA202644030000001"}]},
    )  # fmt: skip
    assert issued["status"] == "issued" and issued["next_actions"] == []
    assert [(s["action"], s["from_status"], s["to_status"], s["by"]) for s in issued["steps"]] == [
        ("create", None, "awaiting_quote", "clerk-a"),
        ("quote", "awaiting_quote", "quoted", "clerk-a"),
        ("submit", "quoted", "underwriting", "clerk-a"),
        ("decline", "underwriting", "quoted", "clerk-a"),
        ("submit", "quoted", "underwriting", "clerk-a"),
        ("issue", "underwriting", "issued", "clerk-a"),
    ]
    assert all(s["at"] == "2026-11-02T02:00:00Z" for s in issued["steps"])
    numbers = {ln["line"]: ln["policy_no"] for ln in issued["lines"]}
    assert numbers["car_commercial"] == "PDAA202644030000001"
    assert numbers["car_compulsory"].startswith("PD20261102")
    policies = await api.ok("GET", "/v1/policies", params={"plate": "粤B12345"})
    by_line = {p["line"]: p for p in policies["items"]}
    assert by_line["car_commercial"]["ends_on"] == "2027-12-20"
    assert by_line["car_compulsory"]["starts_on"] == "2027-01-11"
    assert by_line["car_compulsory"]["premium"] == "950.00"
    assert by_line["car_commercial"]["proposal_no"] == proposal["proposal_no"]
    # The vehicle learnt its new expiry dates from the policies (capture from policies).
    vehicle = await api.ok("GET", f"/v1/vehicles/{proposal['vehicle_id']}")
    assert (vehicle["commercial_expiry"], vehicle["compulsory_expiry"]) == (
        "2027-12-20",
        "2028-01-10",
    )
    assert [s["source"] for s in vehicle["sources"]][-2:] == ["policy", "policy"]
    # Each policy published insurance.policy.issued, with the mobile masked.
    [event] = await outbox_events(app, "insurance.policy.issued", by_line["car_commercial"]["id"])
    payload = event["payload"]
    assert payload["policy_no"] == "PDAA202644030000001"
    assert payload["premium"] == {"amount": "3330.85", "currency": "CNY"}
    assert payload["customer_mobile_masked"] == "138****5678"
    assert payload["institution_org_id"] == str(api.org_a)
    assert (payload["plate_no"], payload["region_code"], payload["sign_date"]) == (
        "粤B12345", "440300", "2026-11-01",
    )  # fmt: skip
    # …and the relay put both on the broker.
    ids = {p["id"] for p in policies["items"]}
    on_broker = await read_topic(
        "insurance.policy", lambda e: e["payload"]["policy_id"] in ids, want=2
    )
    assert {e["event_type"] for e in on_broker} == {"insurance.policy.issued"}


async def test_illegal_steps_are_409_and_change_nothing(api: Any) -> None:
    proposal = await api.proposal()
    path = f"/v1/proposals/{proposal['id']}"
    for step, body in (("issue", {"sign_date": "2026-11-01"}), ("submit", {}), ("decline", {})):
        response = await api.call("POST", f"{path}/{step}", json=body)
        assert response.status_code == 409, step
        assert response.json()["code"] == "illegal_transition"
    gone = await api.ok("POST", f"{path}/unconverted", json={"reason": "bought_elsewhere"})
    assert gone["unconverted_reason"] == "bought_elsewhere"
    again = await api.call("POST", f"{path}/quote", json=api.QUOTE)
    assert again.status_code == 409
    detail = await api.ok("GET", path)
    assert [s["action"] for s in detail["steps"]] == ["create", "give_up"]


async def test_issuing_needs_the_issue_function(api: Any) -> None:
    proposal = await api.proposal()
    path = f"/v1/proposals/{proposal['id']}"
    await api.ok("POST", f"{path}/quote", json=api.QUOTE)
    await api.ok("POST", f"{path}/submit", json={})
    quoter = api.headers(functions=["insurance.proposal.quote", "insurance.proposal.query"])
    refused = await api.call(
        "POST", f"{path}/issue", headers=quoter, json={"sign_date": "2026-11-01"}
    )
    assert refused.status_code == 403


async def test_bad_input_names_the_field(api: Any, fields: Any) -> None:
    proposal = await api.proposal()
    path = f"/v1/proposals/{proposal['id']}/quote"

    def quote(premium: Any) -> dict[str, Any]:
        return {"lines": [{"line": "car_commercial",
                           "items": [{"cover_code": "VEH_DAMAGE", "premium": premium}]}]}  # fmt: skip

    for premium, code in ((1234.5, "float_not_accepted"), ("-1.00", "negative_amount"),
                          ("1.005", "too_many_decimals"), ("abc", "invalid_amount")):  # fmt: skip
        response = await api.call("POST", path, json=quote(premium))
        assert response.status_code == 422
        assert fields(response) == {"body.lines.0.items.0.premium": code}, response.text
    zero = await api.call("POST", path, json=quote("0"))
    assert fields(zero) == {"body.lines.0.items": "premium_not_positive"}
    not_in = await api.call(
        "POST", path,
        json={"lines": [{"line": "life", "items": [{"cover_code": "X", "premium": "1"}]}]},
    )  # fmt: skip
    assert fields(not_in) == {"body.lines[0].line": "line_not_in_proposal"}
    cases = [
        ({"insurer_code": "NOPE"}, "body.insurer_code", "unknown_insurer"),
        ({"lines": [{"line": "car_commercial", "starts_on": "2027-01-01", "ends_on": "2026-01-01"}]},
         "body.lines.0.ends_on", "period_reversed"),
        ({"lines": [{"line": "car_commercial", "starts_on": "2027-01-01", "ends_on": "2300-01-01"}]},
         "body.lines.0.ends_on", "date_out_of_range"),
        ({"vehicle_id": None, "customer_id": None,
          "lines": [{"line": "life", "starts_on": "2027-01-01", "ends_on": "2028-01-01"}]},
         "body.customer_id", "customer_required"),
    ]  # fmt: skip
    for overrides, field, code in cases:
        body = {"vehicle_id": proposal["vehicle_id"], "lines": proposal["lines"][:1], **overrides}
        body["lines"] = [
            {k: v for k, v in ln.items() if k in ("line", "starts_on", "ends_on")}
            for ln in body["lines"]
        ]
        response = await api.call("POST", "/v1/proposals", json=body)
        assert response.status_code == 422, (overrides, response.text)
        assert fields(response).get(field) == code, (overrides, response.text)
    bad_reason = await api.call(
        "POST", f"/v1/proposals/{proposal['id']}/unconverted", json={"reason": "bored"}
    )
    assert fields(bad_reason) == {"body.reason": "enum"}
    future = await api.call(
        "POST", f"/v1/proposals/{proposal['id']}/issue", json={"sign_date": "2026-12-01"}
    )
    assert future.status_code == 422
    # Nothing of the refused requests was written.
    detail = await api.ok("GET", f"/v1/proposals/{proposal['id']}")
    assert [s["action"] for s in detail["steps"]] == ["create"]
    assert (await api.ok("GET", "/v1/proposals"))["total"] == 1


async def test_b_proposals_and_policies_never_reach_a(api: Any) -> None:
    issued = await api.issued(api.org_b)
    open_b = await api.proposal(api.org_b, vehicle={"plate_no": "粤B77777", "vin": None})
    for params in ({}, {"plate": "粤B"}, {"proposal_no": issued["proposal_no"]},
                   {"status": "awaiting_quote"}, {"vehicle_id": open_b["vehicle_id"]}):  # fmt: skip
        assert (await api.ok("GET", "/v1/proposals", api.org_a, params=params))["total"] == 0
    policy_no = issued["lines"][0]["policy_no"]
    for params in ({}, {"policy_no": policy_no}, {"plate": "粤B12345"}):
        assert (await api.ok("GET", "/v1/policies", api.org_a, params=params))["total"] == 0
    b_policies = await api.ok("GET", "/v1/policies", api.org_b)
    for p in b_policies["items"]:
        assert (await api.call("GET", f"/v1/policies/{p['id']}", api.org_a)).status_code == 404
    path = f"/v1/proposals/{open_b['id']}"
    assert (await api.call("GET", path, api.org_a)).status_code == 404
    assert (await api.call("POST", f"{path}/quote", api.org_a, json=api.QUOTE)).status_code == 404
    # A cannot open a proposal on B's vehicle either.
    stolen = await api.call(
        "POST", "/v1/proposals", api.org_a,
        json={"vehicle_id": open_b["vehicle_id"],
              "lines": [{"line": "car_commercial", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}]},
    )  # fmt: skip
    assert stolen.status_code == 422 and stolen.json()["code"] == "vehicle_not_found"


async def test_recorded_policies_form_a_renewal_chain(api: Any) -> None:
    vehicle = (await api.collect())["vehicle"]

    def record(no: str, start: str, end: str) -> dict[str, Any]:
        return {"policy_no": no, "insurer_code": "PINGAN", "line": "car_commercial",
                "vehicle_id": vehicle["id"], "sign_date": "2026-10-01", "starts_on": start,
                "ends_on": end, "items": [{"cover_code": "VEH_DAMAGE", "premium": "2000"}]}  # fmt: skip

    first = await api.ok("POST", "/v1/policies", json=record("PA0001", "2025-12-21", "2026-12-20"))
    second = await api.ok("POST", "/v1/policies", json=record("PA0002", "2026-12-21", "2027-12-20"))
    assert first["renews_policy_no"] is None
    assert second["renews_policy_no"] == "PA0001"
    taken = await api.call(
        "POST", "/v1/policies", json=record("PA0002", "2026-12-21", "2027-12-20")
    )
    assert taken.status_code == 409 and taken.json()["code"] == "policy_no_taken"


# -- the transition table, as a property -------------------------------------------------------

#: The life cycle as the business describes it, written out independently of lifecycle.py.
EXPECTED = {
    ("awaiting_quote", "quote"): "quoted",
    ("awaiting_quote", "unconverted"): "unconverted",
    ("quoted", "quote"): "quoted",
    ("quoted", "submit"): "underwriting",
    ("quoted", "unconverted"): "unconverted",
    ("underwriting", "decline"): "quoted",
    ("underwriting", "issue"): "issued",
    ("underwriting", "unconverted"): "unconverted",
}
BODIES = {
    "quote": {"lines": [{"line": "car_commercial",
                         "items": [{"cover_code": "VEH_DAMAGE", "premium": "100"}]},
                        {"line": "car_compulsory",
                         "items": [{"cover_code": "CTPL", "premium": "50"}]}]},
    "submit": {}, "decline": {}, "issue": {"sign_date": "2026-11-01"},
    "unconverted": {"reason": "no_answer"},
}  # fmt: skip


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(st.sampled_from(sorted(BODIES)), min_size=1, max_size=7))
async def test_no_step_bypasses_the_transition_table(api: Any, actions: list[str]) -> None:
    org = uuid.uuid4()
    proposal = await api.proposal(org)
    path = f"/v1/proposals/{proposal['id']}"
    status, legal = "awaiting_quote", 0
    for action in actions:
        response = await api.call("POST", f"{path}/{action}", org, json=BODIES[action])
        target = EXPECTED.get((status, action))
        if target is None:
            assert response.status_code == 409, (status, action, response.text)
        else:
            assert response.status_code == 200, (status, action, response.text)
            status, legal = target, legal + 1
    detail = await api.ok("GET", path, org)
    assert detail["status"] == status
    assert len(detail["steps"]) == legal + 1
    # The trajectory chains: each step starts where the previous one ended.
    for before, after in zip(detail["steps"], detail["steps"][1:], strict=False):
        assert after["from_status"] == before["to_status"]
    policies = await api.ok("GET", "/v1/policies", org)
    assert policies["total"] == (2 if status == "issued" else 0)
