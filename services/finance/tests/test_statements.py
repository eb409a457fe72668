"""Bank statements: parsing real layouts, idempotent import, matching rules, bad rows."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

import httpx
from fastapi import FastAPI

from finance.statements.parsing import parse_statement
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import ReceiptAllocatedV1


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
SAMPLES, add_order, entries, headers = C.SAMPLES, C.add_order, C.entries, C.headers
outbox_payloads, outstanding = C.outbox_payloads, C.outstanding


def test_sample_statement_csv_and_xlsx_read_the_same() -> None:
    csv_rows, csv_errors = parse_statement((SAMPLES / "bank_statement.csv").read_bytes(), "csv")
    xlsx_rows, xlsx_errors = parse_statement((SAMPLES / "bank_statement.xlsx").read_bytes(), "xlsx")
    assert csv_errors == [] and xlsx_errors == []
    assert [(r.serial_no, r.income_fen, r.expense_fen, r.balance_fen) for r in csv_rows] == [
        (r.serial_no, r.income_fen, r.expense_fen, r.balance_fen) for r in xlsx_rows
    ]
    first = csv_rows[0]
    assert first.income_fen == 128_050 and first.expense_fen == 0
    assert first.balance_fen == 50_128_050
    assert first.transacted_at.isoformat() == "2026-11-24T01:15:02+00:00"  # 09:15:02 Beijing
    assert csv_rows[2].expense_fen == 45_000
    assert first.memo.startswith("OC20261124000001")


def test_bad_rows_are_named_by_row_and_column() -> None:
    content = S.bank_statement_csv(
        [S.BankLine("A1", "2026-11-24", "10:00:00", 100, 0, "甲", "1", "x")]
    )
    text = (
        content.decode("gb18030")
        .replace(",1.00,", ",1.005,")
        .replace("2026-11-24,10", "2026-13-40,10")
    )
    rows, errors = parse_statement(text.encode("gb18030"), "csv")
    assert rows == []
    assert {(e.row, e.column, e.code) for e in errors} == {
        (6, "交易日期", "invalid_date"),
        (6, "收入金额", "invalid_amount"),
    }


async def _account(client: httpx.AsyncClient, h: dict[str, str]) -> str:
    number = f"6222{uuid.uuid4().int % 10**15:015d}"
    response = await client.post(
        "/v1/bank-accounts",
        json={
            "account_no": number,
            "name": "上海某某信息科技有限公司",
            "bank_name": "工商银行上海分行",
            "legal_entity": "technology_company",
        },
        headers=h,
    )
    assert response.status_code == 201, response.text
    return number


async def test_import_matches_by_rule_and_reimport_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    account = await _account(client, h)
    org = uuid.uuid4()
    by_ref = await add_order(app, org, 128_050)
    by_payer = await add_order(app, org, 50_000)
    short = await add_order(app, org, 20_000)
    payer = f"某保险公司{uuid.uuid4().hex[:6]}"
    added = await client.post(
        "/v1/payer-accounts",
        json={"payer_name": payer, "payer_account": "955880001", "customer_org_id": str(org)},
        headers=h,
    )
    assert added.status_code == 201, added.text
    lines = [
        S.BankLine(
            "S1",
            "2026-11-24",
            "09:00:00",
            128_050,
            0,
            "平安产险",
            "1001",
            f"服务费 {by_ref.order_no}",
        ),
        S.BankLine("S2", "2026-11-24", "09:10:00", 50_000, 0, payer, "955880001", "货款"),
        S.BankLine(
            "S3", "2026-11-24", "09:20:00", 19_500, 0, "某某", "1002", f"{short.order_no}"
        ),  # ¥5 short: within the ¥10 tolerance
        S.BankLine("S4", "2026-11-24", "09:30:00", 77_700, 0, "无名氏", "1003", "转账"),
        S.BankLine("S5", "2026-11-24", "09:40:00", 0, 30_000, "张三", "1004", "付款"),
    ]
    content = S.bank_statement_csv(lines, account)
    url = f"/v1/bank-statements/imports?bank_account={account}&format=csv"

    dry = await client.post(url, content=content, headers=h)
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"errors": []} == {
        "bank_account": account,
        "dry_run": True,
        "rows": 5,
        "new_lines": 5,
        "duplicates": 0,
        "receipts": 4,
        "matched": 0,
        "to_check": 0,
        "errors": [],
    }
    nothing = await client.get(f"/v1/bank-statements?bank_account={account}", headers=h)
    assert nothing.json() == []

    done = await client.post(url + "&dry_run=false", content=content, headers=h)
    assert done.status_code == 200, done.text
    assert (done.json()["new_lines"], done.json()["matched"], done.json()["to_check"]) == (5, 3, 1)

    assert await outstanding(app, by_ref.order_id) == 0
    assert await outstanding(app, by_payer.order_id) == 0
    assert await outstanding(app, short.order_id) == 500  # the shortfall stays owed

    receipts = {
        r["receipt_no"].split(":")[1]: r
        for r in (await client.get("/v1/receipts?source=bank&limit=500", headers=h)).json()
        if r["bank_account"] == account
    }
    assert {k: (r["status"], r["to_check"]) for k, r in receipts.items()} == {
        "S1": ("allocated", False),
        "S2": ("allocated", False),
        "S3": ("allocated", False),
        "S4": ("outstanding", True),
    }
    detail = (await client.get(f"/v1/receipts/{receipts['S3']['id']}", headers=h)).json()
    assert [(a["rule"], a["amount"], a["shortfall"]) for a in detail["allocations"]] == [
        ("tolerance", "195.00", "5.00")
    ]
    rules = {
        (await client.get(f"/v1/receipts/{receipts[k]['id']}", headers=h)).json()["allocations"][0][
            "rule"
        ]
        for k in ("S1", "S2")
    }
    assert rules == {"reference", "payer"}

    # One balanced entry for the run: Dr 1002 197,550 fen / Cr 1122.
    events = [
        e
        for e in await outbox_payloads(app, "finance.receipt.allocated")
        if e["payload"]["receipt_id"] in {receipts[k]["id"] for k in ("S1", "S2", "S3")}
    ]
    assert sorted(e["payload"]["amount"]["amount"] for e in events) == [
        "1280.50",
        "195.00",
        "500.00",
    ]

    again = await client.post(url + "&dry_run=false", content=content, headers=h)
    assert again.status_code == 200
    assert (again.json()["new_lines"], again.json()["duplicates"], again.json()["matched"]) == (
        0,
        5,
        0,
    )
    listed = await client.get(f"/v1/bank-statements?bank_account={account}", headers=h)
    assert len(listed.json()) == 5
    assert await outstanding(app, short.order_id) == 500

    # What the order center reads (its handler parses the same v1 contract).
    parsed = [ReceiptAllocatedV1.model_validate(e["payload"]) for e in events]
    assert {p.orders[0].order_id for p in parsed} == {
        by_ref.order_id,
        by_payer.order_id,
        short.order_id,
    }
    # An automatic match is unmatched like a manual one: the order owes again.
    s1 = (await client.get(f"/v1/receipts/{receipts['S1']['id']}", headers=h)).json()
    undone = await client.post(
        f"/v1/receipts/{s1['id']}/allocations/{s1['allocations'][0]['batch_id']}/reversal",
        json={"reason": "付款人付错"},
        headers=h,
    )
    assert (undone.json()["status"], undone.json()["to_check"]) == ("outstanding", True)
    assert await outstanding(app, by_ref.order_id) == 128_050


async def test_run_is_posted_once_and_balanced(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    account = await _account(client, h)
    org = uuid.uuid4()
    order = await add_order(app, org, 10_000)
    content = S.bank_statement_csv(
        [S.BankLine("P1", "2026-11-24", "08:00:00", 10_000, 0, "甲", "1", order.order_no)], account
    )
    done = await client.post(
        f"/v1/bank-statements/imports?bank_account={account}&format=csv&dry_run=false",
        content=content,
        headers=h,
    )
    assert done.json()["matched"] == 1
    receipt = (await client.get("/v1/receipts?source=bank&limit=500", headers=h)).json()
    mine = next(r for r in receipt if r["bank_account"] == account)
    events = [
        e
        for e in await outbox_payloads(app, "finance.receipt.allocated")
        if e["payload"]["receipt_id"] == mine["id"]
    ]
    assert len(events) == 1 and events[0]["payload"]["orders"] == [
        {"order_id": str(order.order_id), "amount": {"amount": "100.00", "currency": "CNY"}}
    ]
    from sqlalchemy import select

    from finance.ledger.models import JournalEntry

    async with app.state.sessionmaker() as session:
        runs = (
            (
                await session.execute(
                    select(JournalEntry.source_id).where(
                        JournalEntry.source_type == "receipt_auto_match"
                    )
                )
            )
            .scalars()
            .all()
        )
    posted = [e for run in runs for e in await entries(app, "receipt_auto_match", run)]
    assert posted and all(e["debit"] == e["credit"] for e in posted)


async def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    account = await _account(client, h)
    good = S.BankLine("B1", "2026-11-24", "08:00:00", 10_000, 0, "甲", "1", "x")
    bad = S.BankLine("B2", "2026-11-24", "08:00:00", 20_000, 0, "乙", "2", "y")
    content = S.bank_statement_csv([good, bad], account).decode("gb18030")
    content = content.replace('"200.00"', "二百元").replace("200.00", "二百元")
    url = f"/v1/bank-statements/imports?bank_account={account}&format=csv"
    dry = await client.post(url, content=content.encode("gb18030"), headers=h)
    assert dry.status_code == 200
    assert [(e["row"], e["column"], e["code"]) for e in dry.json()["errors"]] == [
        (7, "收入金额", "invalid_amount")
    ]
    real = await client.post(url + "&dry_run=false", content=content.encode("gb18030"), headers=h)
    assert real.status_code == 422
    assert real.headers["content-type"].startswith("application/problem+json")
    body = real.json()
    assert body["code"] == "statement_rows_invalid"
    assert body["errors"][0]["field"] == "rows[7].收入金额"
    assert "Row 7" in body["detail"]
    listed = await client.get(f"/v1/bank-statements?bank_account={account}", headers=h)
    assert listed.json() == []  # nothing half-written: the good row was not imported either

    unknown = await client.post(
        "/v1/bank-statements/imports?bank_account=000000000&format=csv&dry_run=false",
        content=content.encode("gb18030"),
        headers=h,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.bank_account"

    no_header = await client.post(url, content=b"a,b\n1,2\n", headers=h)
    assert no_header.status_code == 422 and no_header.json()["code"] == "no_header"


async def test_statements_are_the_operators_books(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    outsider = headers(token_issuer, operator=False)
    response = await client.get("/v1/bank-statements", headers=outsider)
    assert response.status_code == 403 and response.json()["code"] == "operators_only"
    no_right = headers(token_issuer, functions=("finance.allocation.query",))
    assert (await client.get("/v1/bank-statements", headers=no_right)).status_code == 403


async def test_the_same_file_imported_twice_at_once_is_imported_once(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    account = await _account(client, h)
    order = await add_order(app, uuid.uuid4(), 5_000)
    lines = [
        S.BankLine(
            f"C{n}",
            "2026-11-24",
            "08:00:00",
            5_000 if n == 0 else 100 + n,
            0,
            "甲",
            "1",
            order.order_no if n == 0 else "转账",
        )
        for n in range(50)
    ]
    content = S.bank_statement_csv(lines, account)
    url = f"/v1/bank-statements/imports?bank_account={account}&format=csv&dry_run=false"
    answers = await asyncio.gather(
        *(client.post(url, content=content, headers=h) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) in ([200, 200], [200, 409]), [
        a.text for a in answers
    ]
    assert sum(a.json()["new_lines"] for a in answers if a.status_code == 200) == 50
    listed = await client.get(f"/v1/bank-statements?bank_account={account}&limit=500", headers=h)
    assert len(listed.json()) == 50
    assert await outstanding(app, order.order_id) == 0
