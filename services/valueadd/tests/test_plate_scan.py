"""The public scan page: no login, no owner data, rate-limited per plate and per caller on the
pinned clock; the call through an AXB privacy binding from the local simulator (expiry, pool,
numbers of 15 digits)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from servicekit.db import unit_of_work
from valueadd.plates import scan
from valueadd.plates.privacy import LocalPrivacySimulator

FUNCTIONS = ("valueadd.plate.query", "valueadd.plate.manage", "valueadd.plate.assign")
OWNER_MOBILE = "861380013800012"  # 15 digits


async def _active_plate(client: httpx.AsyncClient, caller: Any) -> tuple[str, str]:
    """(plate no., QR token) of a plate bound to 沪A12345 and active."""
    provider, insurer = caller(functions=FUNCTIONS), caller(functions=FUNCTIONS)
    batch = (await client.post("/v1/plate-batches", json={"quantity": 2},
                               headers=provider.headers)).json()  # fmt: skip
    no = f"{batch['batch_no']}-00001"
    steps = [
        ("/v1/plates/assign", {"plate_nos": [no], "promoter_subject": "p", "promoter_name": "王"},
         provider),
        ("/v1/plate-purchases", {"insurer_org_id": str(insurer.org_id), "insurer_name": "人保",
                                 "plate_nos": [no], "unit_price": "10.00"}, provider),
        (f"/v1/plates/{no}/distribute", {"customer_ref": "C-9", "customer_name": "赵六"}, insurer),
        (f"/v1/plates/{no}/bind", {"vehicle_plate_no": "沪A12345", "owner_mobile": OWNER_MOBILE},
         insurer),
        (f"/v1/plates/{no}/status", {"status": "active"}, insurer),
    ]  # fmt: skip
    for path, body, who in steps:
        r = await client.post(path, json=body, headers=who.headers)
        assert r.status_code in (200, 201), r.text
    plate = (await client.get(f"/v1/plates/{no}", headers=provider.headers)).json()
    return no, plate["scan_url"].rsplit("/", 1)[1]


def _ip() -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}


async def test_scan_needs_no_login_and_shows_no_owner_data(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    no, token = await _active_plate(client, caller)
    page = await client.get(f"/v1/public/plates/{token}", headers=_ip())  # no Authorization
    assert page.status_code == 200, page.text
    assert page.json() == {"plate_no": no, "can_call": True, "notice": "可通过隐私号码联系车主挪车"}
    ip = _ip()
    call = await client.post(f"/v1/public/plates/{token}/call",
                             json={"caller_number": "+861390013900099"}, headers=ip)  # fmt: skip
    assert call.status_code == 200, call.text
    answer = call.json()
    assert set(answer) == {"virtual_number", "expires_at"}
    everything = page.text + call.text
    for secret in (OWNER_MOBILE, "3800012", "沪A12345", "赵六", "C-9"):
        assert secret not in everything
    async for session in unit_of_work(app.state.sessionmaker):
        row = (await session.execute(text(
            "SELECT caller_number, virtual_number, created_by FROM va_plate_privacy_bindings "
            "WHERE virtual_number = :x AND caller_number = :a"),
            {"x": answer["virtual_number"], "a": "+861390013900099"})).one()  # fmt: skip
    assert row[2] == f"scan:{ip['X-Forwarded-For']}"
    # The binding expires three minutes after the scan (the pinned clock's time).
    assert answer["expires_at"].startswith("2026-11-20T02:03:00")
    unknown = await client.get("/v1/public/plates/" + "A" * 22, headers=_ip())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "plate_not_found")


async def test_a_plate_not_active_cannot_be_called(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    provider = caller(functions=FUNCTIONS)
    batch = (await client.post("/v1/plate-batches", json={"quantity": 1},
                               headers=provider.headers)).json()  # fmt: skip
    plate = (await client.get(f"/v1/plates/{batch['batch_no']}-00001",
                              headers=provider.headers)).json()  # fmt: skip
    token = plate["scan_url"].rsplit("/", 1)[1]
    page = await client.get(f"/v1/public/plates/{token}", headers=_ip())
    assert page.json()["can_call"] is False
    call = await client.post(f"/v1/public/plates/{token}/call",
                             json={"caller_number": "13900139000"}, headers=_ip())  # fmt: skip
    assert (call.status_code, call.json()["code"]) == (409, "plate_not_callable")
    bad = await client.post(f"/v1/public/plates/{token}/call",
                            json={"caller_number": "1234567890123456"}, headers=_ip())  # fmt: skip
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.caller_number")


async def test_scans_are_limited_per_plate_and_per_caller_on_the_clock(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    _, token = await _active_plate(client, caller)
    me = _ip()
    answers = [await client.get(f"/v1/public/plates/{token}", headers=me) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * scan.PER_CALLER + [429]
    limited = answers[-1]
    assert limited.json()["code"] == "scan_rate_limited"
    assert limited.headers["Retry-After"] == "60"
    # Another caller still gets through; the window reopens when the clock passes it.
    assert (await client.get(f"/v1/public/plates/{token}", headers=_ip())).status_code == 200
    clock.advance(seconds=59)
    assert (await client.get(f"/v1/public/plates/{token}", headers=me)).status_code == 429
    clock.advance(seconds=2)
    assert (await client.get(f"/v1/public/plates/{token}", headers=me)).status_code == 200
    # Per plate: many callers together stop at the plate's limit.
    clock.advance(minutes=5)
    many = [await client.get(f"/v1/public/plates/{token}", headers=_ip()) for _ in range(31)]
    assert [a.status_code for a in many].count(429) == 31 - scan.PER_PLATE
    assert many[-1].status_code == 429


async def test_the_simulator_binds_axb_from_its_pool_until_expiry(clock: Any) -> None:
    from valueadd.common import clock as valueadd_clock

    sim = LocalPrivacySimulator(["17100000001", "17100000002"], valueadd_clock.current())
    until = clock().astimezone().replace(microsecond=0)
    from datetime import timedelta

    one = await sim.bind_axb("13900000001", "861380013800012", until + timedelta(minutes=3))
    two = await sim.bind_axb("13900000002", "861380013800012", until + timedelta(minutes=3))
    # One B on one X only once at a time: the second caller of the same owner gets another X.
    assert one.virtual_number != two.virtual_number
    assert sim.connect("13900000001", one.virtual_number) == (one.binding_id, "861380013800012")
    try:
        await sim.bind_axb("13900000003", "861380013800012", until + timedelta(minutes=3))
        raise AssertionError("the pool had no number free for this owner")
    except Exception as exc:
        assert getattr(exc, "code", None) == "privacy_number_unavailable"
    clock.advance(minutes=4)
    assert sim.connect("13900000001", one.virtual_number) is None
    again = await sim.bind_axb("13900000003", "861380013800012", clock() + timedelta(minutes=3))
    assert again.virtual_number in sim.pool
    await sim.release(again.binding_id)
    assert json.dumps(sim.connect("13900000003", again.virtual_number)) == "null"
