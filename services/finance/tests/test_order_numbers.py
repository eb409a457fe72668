"""Order numbers (订单号) where clerks type orders: invoice lines, payment lines, manual
matching — and the memo's numbers suggested for manual matching. A number is resolved only
among the caller's orders: another institution's number is "not found", like a made-up one."""

from __future__ import annotations

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
AGENCY_FUNCTIONS = (*C.CASH_FUNCTIONS, "finance.invoice.apply", "finance.invoice.query")


async def _bank_receipt(client: httpx.AsyncClient, h: dict[str, str], fen: int, memo: str) -> Any:
    account = f"6222{uuid.uuid4().int % 10**15:015d}"
    created = await client.post(
        "/v1/bank-accounts",
        json={"account_no": account, "name": "某某科技", "bank_name": "建设银行",
              "legal_entity": "technology_company"},
        headers=h,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    payer = f"付款人{uuid.uuid4().hex[:8]}"
    line = S.BankLine("R1", "2026-11-24", "10:00:00", fen, 0, payer, "62170001", memo)
    done = await client.post(
        f"/v1/bank-statements/imports?bank_account={account}&format=csv&dry_run=false",
        content=S.bank_statement_csv([line], account),
        headers=h,
    )
    assert done.status_code == 200, done.text
    listed = await client.get("/v1/receipts?limit=500", headers=h)
    return next(r for r in listed.json() if r["bank_account"] == account), account


def _refusal(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body["errors"][0]["field"]


async def test_manual_matching_takes_numbers_suggests_the_memos_and_keeps_to_its_institution(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    operator = headers(token_issuer)
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    a1 = await add_order(app, org_a, 30_000)
    a2 = await add_order(app, org_a, 20_000)
    b1 = await add_order(app, org_b, 10_000)
    # The memo quotes orders of A and B; the amount fits neither, so nothing matched by itself.
    memo = f"货款 {a1.order_no.lower()} {a2.order_no} {b1.order_no}"
    receipt, _ = await _bank_receipt(client, operator, 45_000, memo)
    assert receipt["to_check"] is True
    url = f"/v1/receipts/{receipt['id']}"

    suggested = (await client.get(f"{url}/suggestions", headers=operator)).json()
    assert {s["order_no"] for s in suggested} == {a1.order_no, a2.order_no, b1.order_no}
    assert all(s["reference"] == s["order_no"] for s in suggested)

    # The clerk types the number (any case, spaces around): allocated like an id.
    first = await client.post(
        f"{url}/allocations",
        json={"lines": [{"order_no": f" {a1.order_no.lower()} ", "amount": "300.00"}]},
        headers=operator,
    )
    assert first.status_code == 200, first.text
    assert await outstanding(app, a1.order_id) == 0
    unknown = await client.post(
        f"{url}/allocations",
        json={"lines": [{"order_no": "OC20990101000001", "amount": "1"}]},
        headers=operator,
    )
    assert _refusal(unknown) == (422, "order_not_found", "body.lines[0].order_no")
    neither = await client.post(f"{url}/allocations", json={"lines": [{"amount": "1"}]},
                                headers=operator)  # fmt: skip
    assert neither.status_code == 422
    assert neither.json()["errors"][0]["field"] == "body.lines.0.order_no"

    # The receipt is now A's: A's clerk sees it, is offered only A's quoted order, and B's
    # number is "not found" for them — B's order untouched.
    clerk_a = headers(token_issuer, subject="clerk-a", org=org_a, operator=False,
                      functions=AGENCY_FUNCTIONS)  # fmt: skip
    offered = (await client.get(f"{url}/suggestions", headers=clerk_a)).json()
    assert [s["order_no"] for s in offered] == [a2.order_no]
    assert offered[0]["outstanding"] == "200.00"
    typed_b = await client.post(
        f"{url}/allocations",
        json={"lines": [{"order_no": b1.order_no, "amount": "100.00"}]},
        headers=clerk_a,
    )
    assert _refusal(typed_b) == (422, "order_not_found", "body.lines[0].order_no")
    assert await outstanding(app, b1.order_id) == 10_000
    done = await client.post(
        f"{url}/allocations",
        json={"lines": [{"order_no": a2.order_no, "amount": "150.00"}]},
        headers=clerk_a,
    )
    assert done.status_code == 200, done.text
    assert done.json()["allocated"] == "450.00"


async def test_payment_lines_take_order_numbers_within_the_institution(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    operator = headers(token_issuer)
    org_a = uuid.uuid4()
    mine = await add_order(app, org_a, 10_000, direction="payable")
    theirs = await add_order(app, uuid.uuid4(), 10_000, direction="payable")
    _, account = await _bank_receipt(client, operator, 1_00, "利息")

    def body(line: dict[str, str]) -> dict[str, Any]:
        return {
            "payee": {"type": "merchant", "id": "M-1001", "name": "上海某某汽车服务有限公司",
                      "bank_account": "6214830211112222", "bank_name": "招商银行上海分行"},
            "payer_bank_account": account,
            "lines": [line],
        }  # fmt: skip

    clerk_a = headers(token_issuer, subject="clerk-a", org=org_a, operator=False)
    created = await client.post(
        "/v1/payment-requests", json=body({"order_no": mine.order_no, "amount": "60.00"}),
        headers=clerk_a,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["lines"][0]["order_no"] == mine.order_no
    for number in (theirs.order_no, "OC20990101000009"):
        refused = await client.post(
            "/v1/payment-requests", json=body({"order_no": number, "amount": "1"}),
            headers=clerk_a,
        )  # fmt: skip
        assert _refusal(refused) == (422, "order_not_found", "body.lines[0].order_no")
    bad = await client.post(
        "/v1/payment-requests", json=body({"order_no": "12345", "amount": "1"}), headers=clerk_a
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.lines.0.order_no"


async def test_invoice_lines_take_order_numbers_within_the_institution(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    org_a = uuid.uuid4()
    mine = await add_order(app, org_a, 50_000)
    theirs = await add_order(app, uuid.uuid4(), 50_000)
    clerk_a = headers(token_issuer, subject="clerk-a", org=org_a, operator=False,
                      functions=AGENCY_FUNCTIONS)  # fmt: skip

    def body(number: str) -> dict[str, Any]:
        return {
            "legal_entity": "technology_company",
            "buyer": {"name": "华成保险代理有限公司", "tax_id": "91310000MA1K000001"},
            "lines": [{"order_no": number, "description": "信息技术服务费",
                       "tax_code": "3040201990000000000", "tax_rate": "0.06",
                       "amount": "500.00"}],
        }  # fmt: skip

    applied = await client.post("/v1/invoices/applications", json=body(mine.order_no),
                                headers=clerk_a)  # fmt: skip
    assert applied.status_code == 201, applied.text
    assert applied.json()["lines"][0]["order_id"] == str(mine.order_id)
    for number in (theirs.order_no, "OC20990101000007"):
        refused = await client.post("/v1/invoices/applications", json=body(number),
                                    headers=clerk_a)  # fmt: skip
        assert _refusal(refused) == (422, "order_not_found", "body.lines[0].order_no")
