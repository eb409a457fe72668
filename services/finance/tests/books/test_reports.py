"""Reports from the ledger: summary, aging, daily, output VAT, their XLSX, and that their
totals are the ledger's totals (property-based)."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from finance.ledger.posting import PostingLine, post_entry
from servicekit.testing.tokens import TestTokenIssuer

ENTITY = "agency_company"


async def _post(app: FastAPI, day: date, lines: list[PostingLine]) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await post_entry(
            session,
            legal_entity=ENTITY,
            entry_date=day,
            source_type="report-test",
            source_id=uuid.uuid4().hex,
            memo="report test",
            lines=lines,
            actor="tester",
        )


def _pair(debit: str, credit: str, fen: int, org: uuid.UUID) -> list[PostingLine]:
    return [
        PostingLine(debit, debit_fen=fen, counterparty_org_id=org),
        PostingLine(credit, credit_fen=fen, counterparty_org_id=org),
    ]


async def test_summary_aging_daily_and_xlsx_of_one_customer(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org = uuid.uuid4()
    sale = [
        PostingLine("1122", debit_fen=106_000, counterparty_org_id=org),
        PostingLine("6001", credit_fen=100_000, counterparty_org_id=org),
        PostingLine("2221", credit_fen=6_000, counterparty_org_id=org),
    ]
    await _post(app, date(2026, 8, 1), sale)
    await _post(app, date(2026, 10, 15), _pair("1122", "6001", 53_000, org))
    await _post(app, date(2026, 11, 20), _pair("1002", "1122", 50_000, org))
    await _post(app, date(2026, 11, 1), _pair("6401", "2202", 30_000, org))
    await _post(app, date(2026, 11, 10), _pair("2202", "1002", 10_000, org))
    h = books.headers(token_issuer, org)
    q = f"legal_entity={ENTITY}&customer_org_id={org}"

    report = await client.get(
        f"/v1/reports/summary?{q}&date_from=2026-11-01&date_to=2026-11-30", headers=h
    )
    assert report.status_code == 200, report.text
    total = report.json()["total"]
    assert {k: total[k] for k in total if k != "customer_org_id"} == {
        "receivable": "0.00",
        "receivable_cleared": "500.00",
        "receivable_balance": "1090.00",
        "payable": "300.00",
        "payable_cleared": "100.00",
        "payable_balance": "200.00",
        "received": "500.00",
        "paid": "100.00",
        "revenue": "0.00",
        "cost": "300.00",
        "profit": "-300.00",
    }
    whole_year = (
        await client.get(
            f"/v1/reports/summary?{q}&date_from=2026-01-01&date_to=2026-12-31&by_customer=true",
            headers=h,
        )
    ).json()
    assert [r["customer_org_id"] for r in whole_year["rows"]] == [str(org)]
    assert (whole_year["total"]["revenue"], whole_year["total"]["profit"]) == ("1530.00", "1230.00")

    aging = (await client.get(f"/v1/reports/aging?{q}&as_of=2026-11-30", headers=h)).json()
    # 1090 open: the newest debit (530, 46 days) first, the rest of the oldest (121 days).
    assert aging["rows"][0] | {"customer_org_id": None} == {
        "customer_org_id": None,
        "d0_30": "0.00",
        "d31_60": "530.00",
        "d61_90": "0.00",
        "over_90": "560.00",
        "balance": "1090.00",
    }
    payable = (
        await client.get(f"/v1/reports/aging?{q}&as_of=2026-11-30&side=payable", headers=h)
    ).json()
    assert (payable["total"]["d0_30"], payable["total"]["balance"]) == ("200.00", "200.00")

    daily = (await client.get(f"/v1/reports/daily?{q}&day=2026-11-20", headers=h)).json()
    by_code = {r["account_code"]: r for r in daily["rows"]}
    assert (by_code["1002"]["opening"], by_code["1002"]["debit"], by_code["1002"]["closing"]) == (
        "-100.00",
        "500.00",
        "400.00",
    )
    assert by_code["1122"]["account_name"] == "应收账款"
    assert (by_code["1122"]["opening"], by_code["1122"]["credit"]) == ("1590.00", "500.00")
    assert (daily["received"], daily["paid"]) == ("500.00", "0.00")

    workbook = await client.get(f"/v1/reports/aging/xlsx?{q}&as_of=2026-11-30", headers=h)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("客户机构", "0–30天", "31–60天", "61–90天", "90天以上", "余额")
    assert rows[2][0] == str(org) and float(rows[2][2]) == 530.0 and rows[-1][0] == "合计"
    for name in ("summary", "daily", "output-vat"):
        params = "day=2026-11-20" if name == "daily" else "date_from=2026-11-01&date_to=2026-11-30"
        got = await client.get(f"/v1/reports/{name}/xlsx?{q}&{params}", headers=h)
        assert got.status_code == 200, got.text
        assert load_workbook(io.BytesIO(got.content)).active.max_row >= 2

    no_export = await client.get(
        f"/v1/reports/daily/xlsx?{q}&day=2026-11-20",
        headers=books.headers(token_issuer, org, functions=("finance.report.query",)),
    )
    assert no_export.status_code == 403

    # Another institution's user sees nothing of this customer.
    other = await client.get(
        f"/v1/reports/summary?{q}&date_from=2026-01-01&date_to=2026-12-31",
        headers=books.headers(token_issuer, uuid.uuid4()),
    )
    assert other.json()["total"]["receivable_balance"] == "0.00"

    backwards = await client.get(
        f"/v1/reports/summary?{q}&date_from=2026-12-01&date_to=2026-11-01", headers=h
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "query.date_to"
    missing = await client.get(f"/v1/reports/summary?{q}&date_from=2026-12-01", headers=h)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "query.date_to"


async def test_output_vat_matches_invoices_and_the_ledger(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    six, thirteen = await books.record_orders(app, org, 10_600, 11_300)
    for order, amount, rate in ((six, "106.00", "0.06"), (thirteen, "113.00", "0.13")):
        applied = (
            await client.post(
                "/v1/invoices/applications",
                json=books.application_body([(order, amount)], rate=rate, entity=ENTITY),
                headers=h,
            )
        ).json()
        issued = (
            await client.post(
                f"/v1/invoices/applications/{applied['id']}/issue",
                json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-02"},
                headers=h,
            )
        ).json()
        if rate == "0.13":
            red = await client.post(
                f"/v1/invoices/{issued['invoices'][0]['id']}/red-letters",
                json={"red_invoice_no": books.invoice_no(), "issue_date": "2026-11-03",
                      "reason": "sales_return", "orders": [{"order_id": order, "amount": "56.50"}]},
                headers=h,
            )  # fmt: skip
            assert red.status_code == 201, red.text
    vat = (
        await client.get(
            f"/v1/reports/output-vat?legal_entity={ENTITY}&customer_org_id={org}"
            "&date_from=2026-11-01&date_to=2026-11-30",
            headers=h,
        )
    ).json()
    rows = {(r["kind"], r["tax_rate"]): r for r in vat["rows"]}
    assert (rows[("blue", "0.06")]["net"], rows[("blue", "0.06")]["tax"]) == ("100.00", "6.00")
    assert rows[("blue", "0.13")]["tax"] == "13.00"
    assert (rows[("red", "0.13")]["amount"], rows[("red", "0.13")]["tax"]) == ("56.50", "6.50")
    assert vat["net_tax"] == vat["ledger_output_vat"] == "12.50"


_line = st.tuples(
    st.sampled_from([("1122", "6001"), ("1002", "1122"), ("6401", "2202"), ("2202", "1002"),
                     ("1012", "2241"), ("6603", "1012")]),
    st.integers(1, 10**9),
    st.integers(0, 200),
)  # fmt: skip


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(postings=st.lists(_line, min_size=1, max_size=12), span=st.integers(0, 200))
async def test_report_totals_equal_ledger_totals(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    books: Any,
    postings: list[Any],
    span: int,
) -> None:
    org = uuid.uuid4()
    start = date(2026, 1, 1)
    for (debit, credit), fen, days in postings:
        await _post(app, start + timedelta(days=days), _pair(debit, credit, fen, org))
    date_from, date_to = start + timedelta(days=span // 2), start + timedelta(days=span)
    q = f"legal_entity={ENTITY}&customer_org_id={org}&date_from={date_from}&date_to={date_to}"
    total = (await client.get(f"/v1/reports/summary?{q}", headers=books.headers(
        token_issuer, org))).json()["total"]  # fmt: skip

    def moved(code: str, side: str, *, whole: bool = False) -> int:
        return sum(
            fen
            for pair, fen, days in postings
            if pair[0 if side == "debit" else 1] == code
            and (whole or date_from <= start + timedelta(days=days))
            and start + timedelta(days=days) <= date_to
        )

    assert total["receivable"] == _fen_text(moved("1122", "debit"))
    assert total["receivable_cleared"] == _fen_text(moved("1122", "credit"))
    assert total["receivable_balance"] == _fen_text(
        moved("1122", "debit", whole=True) - moved("1122", "credit", whole=True)
    )
    assert total["payable"] == _fen_text(moved("2202", "credit"))
    assert total["payable_balance"] == _fen_text(
        moved("2202", "credit", whole=True) - moved("2202", "debit", whole=True)
    )
    assert total["received"] == _fen_text(moved("1002", "debit") + moved("1012", "debit"))
    assert total["paid"] == _fen_text(moved("1002", "credit") + moved("1012", "credit"))
    assert total["revenue"] == _fen_text(moved("6001", "credit"))
    assert total["cost"] == _fen_text(moved("6401", "debit") + moved("6603", "debit"))
    assert total["profit"] == _fen_text(
        moved("6001", "credit") - moved("6401", "debit") - moved("6603", "debit")
    )

    aging = (
        await client.get(
            f"/v1/reports/aging?legal_entity={ENTITY}&customer_org_id={org}&as_of={date_to}",
            headers=books.headers(token_issuer, org),
        )
    ).json()["total"]
    buckets = sum(int(aging[k].replace(".", "")) for k in ("d0_30", "d31_60", "d61_90", "over_90"))
    assert buckets == int(aging["balance"].replace(".", ""))  # buckets add up to the balance
    assert aging["balance"] == _fen_text(
        max(0, moved("1122", "debit", whole=True) - moved("1122", "credit", whole=True))
    )


def _fen_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"
