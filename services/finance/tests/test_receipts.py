"""Receipts: manual allocation across orders, unmatch with reversal, scoping, the queue."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from fastapi import FastAPI

from servicekit.testing.tokens import TestTokenIssuer


def load_support() -> ModuleType:
    name, path = "cash_support", Path(__file__).parent / "samples" / "cash_support.py"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


C = load_support()
S = C.samples()
add_order, headers, outstanding = C.add_order, C.headers, C.outstanding
account_lines, outbox_payloads = C.account_lines, C.outbox_payloads


async def _receipt(
    app: FastAPI, client: httpx.AsyncClient, h: dict[str, str], fen: int, memo: str = "转账"
) -> dict[str, Any]:
    """An unmatched bank receipt (in the to-check queue)."""
    account = f"6222{uuid.uuid4().int % 10**15:015d}"
    created = await client.post(
        "/v1/bank-accounts",
        json={
            "account_no": account,
            "name": "某某科技",
            "bank_name": "建设银行",
            "legal_entity": "technology_company",
        },
        headers=h,
    )
    assert created.status_code == 201
    payer = f"付款人{uuid.uuid4().hex[:8]}"
    line = S.BankLine("R1", "2026-11-24", "10:00:00", fen, 0, payer, "62170001", memo)
    done = await client.post(
        f"/v1/bank-statements/imports?bank_account={account}&format=csv&dry_run=false",
        content=S.bank_statement_csv([line], account),
        headers=h,
    )
    assert done.status_code == 200, done.text
    listed = await client.get("/v1/receipts?to_check=true&limit=500", headers=h)
    return next(r for r in listed.json() if r["bank_account"] == account)


async def test_manual_allocation_across_orders_then_unmatch(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    org = uuid.uuid4()
    a = await add_order(app, org, 30_000)
    b = await add_order(app, org, 50_000)
    receipt = await _receipt(app, client, h, 70_000)
    assert (receipt["status"], receipt["to_check"]) == ("outstanding", True)

    url = f"/v1/receipts/{receipt['id']}/allocations"
    first = await client.post(
        url, json={"lines": [{"order_id": str(a.order_id), "amount": "300.00"}]}, headers=h
    )
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["unallocated"]) == (
        "partially_allocated",
        "400.00",
    )
    second = await client.post(
        url, json={"lines": [{"order_id": str(b.order_id), "amount": "400.00"}]}, headers=h
    )
    body = second.json()
    assert (body["status"], body["allocated"], body["to_check"]) == ("allocated", "700.00", False)
    assert body["customer_org_id"] == str(org)
    assert await outstanding(app, a.order_id) == 0
    assert await outstanding(app, b.order_id) == 10_000

    over = await client.post(
        url, json={"lines": [{"order_id": str(b.order_id), "amount": "0.01"}]}, headers=h
    )
    assert over.status_code == 422
    assert over.json()["errors"][0] == {
        "field": "body.lines",
        "code": "over_allocation",
        "message": over.json()["errors"][0]["message"],
    }

    (batch,) = [x["batch_id"] for x in body["allocations"] if x["amount"] == "400.00"]
    lines = await account_lines(app, "receipt_allocation", batch)
    assert lines == [("1002", 40_000, 0), ("1122", 0, 40_000)]
    events = [
        e["payload"]
        for e in await outbox_payloads(app, "finance.receipt.allocated")
        if e["payload"]["allocation_id"] == batch
    ]
    assert events and events[0]["receipt_no"] == receipt["receipt_no"]

    undone = await client.post(
        f"{url}/{batch}/reversal", json={"reason": "付款人确认付错订单"}, headers=h
    )
    assert undone.status_code == 200, undone.text
    assert (undone.json()["status"], undone.json()["allocated"]) == (
        "partially_allocated",
        "300.00",
    )
    assert await outstanding(app, b.order_id) == 50_000
    assert await account_lines(app, "receipt_unallocation", batch) == [
        ("1122", 40_000, 0),
        ("1002", 0, 40_000),
    ]
    twice = await client.post(f"{url}/{batch}/reversal", json={"reason": "again"}, headers=h)
    assert twice.status_code == 404 and twice.json()["code"] == "allocation_not_found"

    history = await client.get(
        f"/v1/allocations?receipt_id={receipt['id']}&include_reversed=true", headers=h
    )
    assert sorted((x["amount"], x["reversed_by"] is None) for x in history.json()) == [
        ("300.00", True),
        ("400.00", False),
    ]


async def test_allocation_refuses_bad_lines_naming_the_field(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    org = uuid.uuid4()
    small = await add_order(app, org, 1_000)
    payable = await add_order(app, org, 1_000, direction="payable")
    other_org = await add_order(app, uuid.uuid4(), 1_000)
    receipt = await _receipt(app, client, h, 5_000)
    url = f"/v1/receipts/{receipt['id']}/allocations"

    async def refused(lines: list[dict[str, str]]) -> dict[str, Any]:
        response = await client.post(url, json={"lines": lines}, headers=h)
        assert response.status_code == 422, response.text
        return response.json()["errors"][0]

    assert (await refused([{"order_id": str(small.order_id), "amount": "10.01"}]))["field"] == (
        "body.lines[0].amount"
    )
    assert (await refused([{"order_id": str(payable.order_id), "amount": "1"}]))["code"] == (
        "not_receivable"
    )
    assert (await refused([{"order_id": str(uuid.uuid4()), "amount": "1"}]))["field"] == (
        "body.lines[0].order_id"
    )
    assert (await refused([{"order_id": str(small.order_id), "amount": 1.5}]))["field"] == (
        "body.lines.0.amount"
    )
    assert (await refused([{"order_id": str(small.order_id), "amount": "0.001"}]))["field"] == (
        "body.lines.0.amount"
    )
    mixed = await refused(
        [
            {"order_id": str(small.order_id), "amount": "1"},
            {"order_id": str(other_org.order_id), "amount": "1"},
        ]
    )
    assert mixed["code"] == "mixed_institutions"
    after = (await client.get(f"/v1/receipts/{receipt['id']}", headers=h)).json()
    assert (after["allocated"], after["allocations"]) == ("0.00", [])  # nothing half-written
    assert await outstanding(app, small.order_id) == 1_000


async def test_institutions_see_only_their_receipts_and_a_manual_match_teaches_the_payer(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    org = uuid.uuid4()
    order = await add_order(app, org, 2_000)
    receipt = await _receipt(app, client, h, 2_000)
    mine = headers(token_issuer, org=org, operator=False)
    # Unknown money: operators only.
    assert (await client.get(f"/v1/receipts/{receipt['id']}", headers=mine)).status_code == 404
    done = await client.post(
        f"/v1/receipts/{receipt['id']}/allocations",
        json={"lines": [{"order_id": str(order.order_id), "amount": "20.00"}]},
        headers=h,
    )
    assert done.status_code == 200
    assert (await client.get(f"/v1/receipts/{receipt['id']}", headers=mine)).status_code == 200
    stranger = headers(token_issuer, org=uuid.uuid4(), operator=False)
    assert (await client.get(f"/v1/receipts/{receipt['id']}", headers=stranger)).status_code == 404
    assert [r["id"] for r in (await client.get("/v1/receipts", headers=stranger)).json()] == []
    assert [a["order_id"] for a in (await client.get("/v1/allocations", headers=mine)).json()] == [
        str(order.order_id)
    ]
    payers = (await client.get("/v1/payer-accounts", headers=h)).json()
    assert any(
        p["payer_name"] == receipt["payer_name"] and p["customer_org_id"] == str(org)
        for p in payers
    )

    # The next payment from that payer matches by rule 2 during the run over the queue.
    second = await add_order(app, org, 3_000)
    again = await _receipt_from(client, h, receipt["payer_name"], 3_000)
    assert again["to_check"] is False
    assert await outstanding(app, second.order_id) == 0


async def _receipt_from(
    client: httpx.AsyncClient, h: dict[str, str], payer: str, fen: int
) -> dict[str, Any]:
    account = f"6222{uuid.uuid4().int % 10**15:015d}"
    await client.post(
        "/v1/bank-accounts",
        json={
            "account_no": account,
            "name": "某某科技",
            "bank_name": "建设银行",
            "legal_entity": "technology_company",
        },
        headers=h,
    )
    line = S.BankLine("R2", "2026-11-24", "11:00:00", fen, 0, payer, "62170001", "付款")
    await client.post(
        f"/v1/bank-statements/imports?bank_account={account}&format=csv&dry_run=false",
        content=S.bank_statement_csv([line], account),
        headers=h,
    )
    listed = await client.get("/v1/receipts?limit=500", headers=h)
    return next(r for r in listed.json() if r["bank_account"] == account)


async def test_rematching_the_queue_and_the_tolerance_setting(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    org = uuid.uuid4()
    number = C.order_no()
    receipt = await _receipt(app, client, h, 9_000, memo=f"付 {number}")
    assert receipt["to_check"] is True  # the order is not known to finance yet
    order = await add_order(app, org, 10_000, number=number)

    tight = await client.put(
        "/v1/receipt-matching/settings", json={"underpayment_tolerance": "5.00"}, headers=h
    )
    assert tight.status_code == 200 and tight.json()["updated_by"] == "cashier-1"
    run = await client.post("/v1/receipts/matching-runs", headers=h)
    assert run.status_code == 200
    assert (await client.get(f"/v1/receipts/{receipt['id']}", headers=h)).json()["to_check"]

    await client.put(
        "/v1/receipt-matching/settings", json={"underpayment_tolerance": "10.00"}, headers=h
    )
    run = await client.post("/v1/receipts/matching-runs", headers=h)
    assert run.json()["matched"] >= 1
    after = (await client.get(f"/v1/receipts/{receipt['id']}", headers=h)).json()
    assert (after["status"], after["allocations"][0]["rule"]) == ("allocated", "tolerance")
    assert await outstanding(app, order.order_id) == 1_000

    bad = await client.put(
        "/v1/receipt-matching/settings", json={"underpayment_tolerance": "-1"}, headers=h
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.underpayment_tolerance"


async def test_concurrent_allocations_never_exceed_the_receipt(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    org = uuid.uuid4()
    orders = [await add_order(app, org, 4_000) for _ in range(5)]
    receipt = await _receipt(app, client, h, 10_000)
    url = f"/v1/receipts/{receipt['id']}/allocations"
    answers = await asyncio.gather(
        *(
            client.post(
                url, json={"lines": [{"order_id": str(o.order_id), "amount": "40.00"}]}, headers=h
            )
            for o in orders
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 200, 422, 422, 422], [a.text for a in answers]
    after = (await client.get(f"/v1/receipts/{receipt['id']}", headers=h)).json()
    assert (after["allocated"], after["status"]) == ("80.00", "partially_allocated")
