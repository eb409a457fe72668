"""拨打记录: the provider's push stored once per session id (six pushes, also at once), billed
by the insurer's rate card in force on the call's day, scoped, bad input naming the field."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from servicekit.db import unit_of_work
from valueadd.calls.models import billable
from valueadd.plates import scan

FUNCTIONS = (
    "valueadd.plate.query", "valueadd.plate.manage", "valueadd.plate.assign",
    "valueadd.plate.call_record",
)  # fmt: skip


async def _binding(client: httpx.AsyncClient, caller: Any) -> tuple[Any, Any, str, str]:
    """The maker, the insurer, the plate no. and a scan's binding id."""
    maker, insurer = caller(functions=FUNCTIONS), caller(functions=FUNCTIONS)
    batch = (await client.post("/v1/plate-batches", json={"quantity": 1},
                               headers=maker.headers)).json()  # fmt: skip
    no = f"{batch['batch_no']}-00001"
    steps = [
        ("/v1/plates/assign", {"plate_nos": [no], "promoter_subject": "p", "promoter_name": "王"},
         maker),
        ("/v1/plate-purchases", {"insurer_org_id": str(insurer.org_id), "insurer_name": "人保",
                                 "plate_nos": [no], "unit_price": "10.00"}, maker),
        (f"/v1/plates/{no}/distribute", {"customer_ref": "C-9", "customer_name": "赵六"}, insurer),
        (f"/v1/plates/{no}/bind", {"vehicle_plate_no": "沪A12345", "owner_mobile": "13800138000"},
         insurer),
        (f"/v1/plates/{no}/status", {"status": "active"}, insurer),
    ]  # fmt: skip
    for path, body, who in steps:
        r = await client.post(path, json=body, headers=who.headers)
        assert r.status_code in (200, 201), r.text
    token = (await client.get(f"/v1/plates/{no}", headers=maker.headers)).json()["scan_url"]
    a = f"139{uuid.uuid4().int % 10**8:08d}"
    call = await client.post(f"/v1/public/plates/{token.rsplit('/', 1)[1]}/call",
                             json={"caller_number": a},
                             headers={"X-Forwarded-For": f"10.9.{uuid.uuid4().int % 250}.1"})  # fmt: skip
    assert call.status_code == 200, call.text
    found = scan.privacy_provider().connect(a, call.json()["virtual_number"])  # type: ignore[attr-defined]
    assert found is not None
    return maker, insurer, no, found[0]


def _push(binding: str, session: str, start: str, end: str) -> dict[str, str]:
    return {"provider": "local", "session_id": session, "binding_id": binding,
            "caller_number": "13900139000", "virtual_number": "17100000001",
            "started_at": start, "ended_at": end}  # fmt: skip


async def test_the_same_record_pushed_six_times_is_stored_once(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    maker, _, no, binding = await _binding(client, caller)
    body = _push(binding, f"S-{uuid.uuid4().hex}", "2026-11-20T10:01:00+08:00",
                 "2026-11-20T10:02:30+08:00")  # fmt: skip
    answers = [await client.post("/v1/plate-calls", json=body, headers=maker.headers)
               for _ in range(6)]  # fmt: skip
    assert [a.status_code for a in answers] == [201] + [200] * 5, answers[0].text
    assert len({a.json()["id"] for a in answers}) == 1
    assert answers[0].json()["duration_seconds"] == 90
    # Six copies at the same moment (on PostgreSQL truly concurrent): still one.
    again = _push(binding, f"S-{uuid.uuid4().hex}", "2026-11-20T10:05:00+08:00",
                  "2026-11-20T10:06:00+08:00")  # fmt: skip
    at_once = await asyncio.gather(
        *(client.post("/v1/plate-calls", json=again, headers=maker.headers) for _ in range(6))
    )
    assert sorted(a.status_code for a in at_once) == [200] * 5 + [201], [a.text for a in at_once]
    async for session in unit_of_work(app.state.sessionmaker):
        n = await session.scalar(
            text("SELECT count(*) FROM va_plate_call_records WHERE session_id IN (:a, :b)"),
            {"a": body["session_id"], "b": again["session_id"]},
        )
    assert n == 2
    page = (await client.get("/v1/plate-calls", params={"plate_no": no},
                             headers=maker.headers)).json()  # fmt: skip
    assert page["total"] == 2
    assert page["items"][0]["caller_number"] == "139****9000"


async def test_billable_seconds_and_fees_by_the_insurers_rate_card_version(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    maker, insurer, _no, binding = await _binding(client, caller)
    for day, price in (("2026-11-01", "0.20"), ("2026-11-20", "0.30")):
        card = await client.post("/v1/plate-rate-cards", json={
            "insurer_org_id": str(insurer.org_id), "effective_from": day, "free_seconds": 10,
            "unit_seconds": 60, "unit_price": price}, headers=maker.headers)  # fmt: skip
        assert card.status_code == 201, card.text
    assert card.json()["version"] == 2
    calls = [
        ("2026-11-19T09:00:00+08:00", "2026-11-19T09:01:01+08:00", 120, "0.40", 1),
        ("2026-11-20T09:00:00+08:00", "2026-11-20T09:00:05+08:00", 0, "0.00", 2),
        ("2026-11-20T09:10:00+08:00", "2026-11-20T09:11:00+08:00", 60, "0.30", 2),
    ]
    for start, end, seconds, fee, version in calls:
        r = await client.post("/v1/plate-calls", json=_push(binding, uuid.uuid4().hex, start, end),
                              headers=maker.headers)  # fmt: skip
        assert r.status_code == 201, r.text
        got = r.json()
        assert (got["billable_seconds"], got["fee"], got["rate_card_version"]) == (
            seconds, fee, version)  # fmt: skip
    page = (await client.get("/v1/plate-calls", params={"insurer_org_id": str(insurer.org_id)},
                             headers=insurer.headers)).json()  # fmt: skip
    assert (page["total"], page["billable_seconds"], page["fee"]) == (3, 180, "0.70")
    day = (await client.get("/v1/plate-calls", params={"date_from": "2026-11-20",
           "date_to": "2026-11-20"}, headers=insurer.headers)).json()  # fmt: skip
    assert (day["total"], day["fee"]) == (2, "0.30")
    assert billable(10, 10, 60) == (0, 0) and billable(11, 10, 60) == (60, 1)


async def test_bad_pushes_name_the_field_and_b_never_sees_a(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    maker, _, _, binding = await _binding(client, caller)
    other = caller(functions=FUNCTIONS)
    ok = ("2026-11-20T10:00:00+08:00", "2026-11-20T10:01:00+08:00")
    for body, code, field in (
        (_push(binding, "S-1", ok[1], ok[0]), "call_ends_before_start", "body.ended_at"),
        (_push("SIM-none", "S-2", *ok), "privacy_binding_unknown", "body.binding_id"),
        ({**_push(binding, "S-3", *ok), "caller_number": "1234567890123456"}, None,
         "body.caller_number"),
        ({**_push(binding, "S-4", *ok), "started_at": "2026-11-20T10:00:00"}, None,
         "body.started_at"),
    ):  # fmt: skip
        r = await client.post("/v1/plate-calls", json=body, headers=maker.headers)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == field
        if code:
            assert r.json()["code"] == code
    theirs = await client.post("/v1/plate-calls", json=_push(binding, "S-5", *ok),
                               headers=other.headers)  # fmt: skip
    assert (theirs.status_code, theirs.json()["code"]) == (422, "privacy_binding_unknown")
    mine = await client.post("/v1/plate-calls", json=_push(binding, uuid.uuid4().hex, *ok),
                             headers=maker.headers)  # fmt: skip
    assert mine.status_code == 201
    assert (await client.get("/v1/plate-calls", headers=other.headers)).json()["total"] == 0
    assert (await client.get("/v1/plate-rate-cards", headers=other.headers)).json() == []
