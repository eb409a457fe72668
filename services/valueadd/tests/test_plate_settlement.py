"""Separate vs combined settlement on the same fixtures: 3 plates bought at 15.00, two calls
(0.40 + 0.20). Separate: the purchase's plate_purchase order at once, the period's
plate_call_fee order; combined: nothing at purchase, one plate_combined_settlement order.
The contract is versioned: the mode in force on the purchase day decides the purchase."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from servicekit.db import unit_of_work
from valueadd.plates import scan

FUNCTIONS = (
    "valueadd.plate.query", "valueadd.plate.manage", "valueadd.plate.assign",
    "valueadd.plate.call_record",
)  # fmt: skip


async def _orders(app: Any, prefix: str) -> list[dict[str, Any]]:
    async for session in unit_of_work(app.state.sessionmaker):
        bodies = (await session.scalars(
            text("SELECT body FROM outbox_messages WHERE message_key LIKE :k"),
            {"k": f"{prefix}%"})).all()  # fmt: skip
    return [json.loads(b)["payload"] for b in bodies]


async def _fixture(
    client: httpx.AsyncClient, caller: Any, contracts: list[tuple[str, str]]
) -> tuple[Any, Any, str]:
    """Maker and insurer, the contract versions, 3 plates bought, one active with two calls;
    returns (maker, insurer, purchase no.)."""
    maker, insurer = caller(functions=FUNCTIONS), caller(functions=FUNCTIONS)
    for mode, day in contracts:
        c = await client.post("/v1/plate-contracts", json={
            "insurer_org_id": str(insurer.org_id), "insurer_name": "人保财险上海分公司",
            "mode": mode, "effective_from": day}, headers=maker.headers)  # fmt: skip
        assert c.status_code == 201, c.text
    card = await client.post("/v1/plate-rate-cards", json={
        "insurer_org_id": str(insurer.org_id), "effective_from": "2026-11-01",
        "free_seconds": 10, "unit_seconds": 60, "unit_price": "0.20"}, headers=maker.headers)  # fmt: skip
    assert card.status_code == 201, card.text
    batch = (await client.post("/v1/plate-batches", json={"quantity": 3},
                               headers=maker.headers)).json()  # fmt: skip
    nos = [f"{batch['batch_no']}-{i:05d}" for i in (1, 2, 3)]
    no = nos[0]
    steps = [
        ("/v1/plates/assign", {"plate_nos": nos, "promoter_subject": "p", "promoter_name": "王"},
         maker),
        ("/v1/plate-purchases", {"insurer_org_id": str(insurer.org_id), "insurer_name": "人保财险上海分公司",
                                 "plate_nos": nos, "unit_price": "15.00"}, maker),
        (f"/v1/plates/{no}/distribute", {"customer_ref": "C-9", "customer_name": "赵六"}, insurer),
        (f"/v1/plates/{no}/bind", {"vehicle_plate_no": "沪A12345", "owner_mobile": "13800138000"},
         insurer),
        (f"/v1/plates/{no}/status", {"status": "active"}, insurer),
    ]  # fmt: skip
    purchase_no = ""
    for path, body, who in steps:
        r = await client.post(path, json=body, headers=who.headers)
        assert r.status_code in (200, 201), r.text
        purchase_no = r.json().get("purchase_no") or purchase_no
    token = (await client.get(f"/v1/plates/{no}", headers=maker.headers)).json()["scan_url"]
    a = f"139{uuid.uuid4().int % 10**8:08d}"
    call = await client.post(f"/v1/public/plates/{token.rsplit('/', 1)[1]}/call",
                             json={"caller_number": a},
                             headers={"X-Forwarded-For": f"10.8.{uuid.uuid4().int % 250}.1"})  # fmt: skip
    x = call.json()["virtual_number"]
    binding = scan.privacy_provider().connect(a, x)[0]  # type: ignore[attr-defined]
    for minute, seconds in ((1, 75), (5, 40)):
        r = await client.post("/v1/plate-calls", json={
            "provider": "local", "session_id": uuid.uuid4().hex, "binding_id": binding,
            "caller_number": a, "virtual_number": x,
            "started_at": f"2026-11-20T11:{minute:02d}:00+08:00",
            "ended_at": f"2026-11-20T11:{minute + seconds // 60:02d}:{seconds % 60:02d}+08:00",
        }, headers=maker.headers)  # fmt: skip
        assert r.status_code == 201, r.text
    return maker, insurer, purchase_no


async def _settle(client: httpx.AsyncClient, maker: Any, insurer: Any) -> httpx.Response:
    return await client.post("/v1/plate-settlements", json={
        "insurer_org_id": str(insurer.org_id), "period_from": "2026-11-01",
        "period_to": "2026-11-30"}, headers=maker.headers)  # fmt: skip


async def test_separate_settlement_orders_the_purchase_then_the_call_fees(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any, order_center: Any
) -> None:
    maker, insurer, purchase_no = await _fixture(client, caller, [("separate", "2026-11-01")])
    bought = await _orders(app, f"plate-purchase:{purchase_no}")
    assert len(bought) == 1
    assert (bought[0]["category"], bought[0]["direction"], bought[0]["amount"]["amount"]) == (
        "plate_purchase", "receivable", "45.00")  # fmt: skip
    assert bought[0]["customer_org_id"] == str(insurer.org_id)
    settled = await _settle(client, maker, insurer)
    assert settled.status_code == 201, settled.text
    s = settled.json()
    assert (s["mode"], s["category"], s["call_count"], s["call_fee"], s["purchase_count"],
            s["amount"]) == ("separate", "plate_call_fee", 2, "0.60", 0, "0.60")  # fmt: skip
    fee = await _orders(app, f"plate-settlement:{s['settlement_no']}")
    assert [(o["category"], o["amount"]["amount"]) for o in fee] == [("plate_call_fee", "0.60")]
    again = await _settle(client, maker, insurer)
    assert (again.status_code, again.json()["code"]) == (422, "plate_settlement_empty")
    # The order center takes both as they are (plate orders carry no extension data).
    assert await order_center(f"plate-purchase:{purchase_no}") == {
        f"plate-purchase:{purchase_no}": None}  # fmt: skip
    ref = f"plate-settlement:{s['settlement_no']}"
    assert await order_center(ref) == {ref: None}
    assert bought[0]["extension"] is None


async def test_combined_settlement_orders_purchase_and_calls_once_at_period_end(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any, order_center: Any
) -> None:
    maker, insurer, purchase_no = await _fixture(client, caller, [("combined", "2026-11-01")])
    assert await _orders(app, f"plate-purchase:{purchase_no}") == []
    settled = await _settle(client, maker, insurer)
    assert settled.status_code == 201, settled.text
    s = settled.json()
    assert (s["mode"], s["category"], s["purchase_count"], s["purchase_amount"], s["call_fee"],
            s["amount"]) == ("combined", "plate_combined_settlement", 1, "45.00", "0.60",
                             "45.60")  # fmt: skip
    orders = await _orders(app, f"plate-settlement:{s['settlement_no']}")
    assert len(orders) == 1
    o = orders[0]
    assert (o["category"], o["amount"]["amount"]) == ("plate_combined_settlement", "45.60")
    assert [line["amount"]["amount"] for line in o["lines"]] == ["45.00", "0.60"]
    ref = f"plate-settlement:{s['settlement_no']}"
    assert await order_center(ref) == {ref: None}
    assert (await _settle(client, maker, insurer)).json()["code"] == "plate_settlement_empty"
    listed = (await client.get("/v1/plate-settlements", headers=insurer.headers)).json()
    assert [x["settlement_no"] for x in listed] == [s["settlement_no"]]
    other = caller(functions=FUNCTIONS)
    assert (await client.get("/v1/plate-settlements", headers=other.headers)).json() == []


async def test_the_contract_version_in_force_decides_and_bad_input_names_the_field(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    # Separate until 11-24, combined from 11-25: the 11-20 purchase had its own order, so the
    # combined settlement at month end covers only the calls.
    maker, insurer, purchase_no = await _fixture(
        client, caller, [("separate", "2026-11-01"), ("combined", "2026-11-25")]
    )
    assert len(await _orders(app, f"plate-purchase:{purchase_no}")) == 1
    s = (await _settle(client, maker, insurer)).json()
    assert (s["mode"], s["contract_version"], s["purchase_count"], s["amount"]) == (
        "combined", 2, 0, "0.60")  # fmt: skip
    contracts = (await client.get("/v1/plate-contracts", headers=maker.headers)).json()
    assert [(c["version"], c["mode"]) for c in contracts] == [(1, "separate"), (2, "combined")]
    for body, field, code in (
        ({"insurer_org_id": str(insurer.org_id), "period_from": "2026-11-30",
          "period_to": "2026-11-01"}, "body.period_to", "period_reversed"),
        ({"insurer_org_id": str(uuid.uuid4()), "period_from": "2026-11-01",
          "period_to": "2026-11-30"}, "body.insurer_org_id", "plate_contract_missing"),
    ):  # fmt: skip
        r = await client.post("/v1/plate-settlements", json=body, headers=maker.headers)
        assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (
            422, code, field)  # fmt: skip
    bad = await client.post("/v1/plate-contracts", json={
        "insurer_org_id": str(insurer.org_id), "insurer_name": "人保", "mode": "monthly",
        "effective_from": "2026-11-01"}, headers=maker.headers)  # fmt: skip
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.mode")
