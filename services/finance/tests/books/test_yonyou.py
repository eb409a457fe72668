"""Yonyou U8: vouchers exported once each and balanced; AR/AP settlements imported once."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.ledger.posting import PostingLine, post_entry
from servicekit.testing.tokens import TestTokenIssuer

ENTITY = "technology_company"
_days = itertools.count()


async def _post(app: FastAPI, day: date, lines: list[PostingLine], memo: str = "test") -> str:
    async with app.state.sessionmaker() as session, session.begin():
        entry = await post_entry(
            session,
            legal_entity=ENTITY,
            entry_date=day,
            source_type="yonyou-test",
            source_id=uuid.uuid4().hex,
            memo=memo,
            lines=lines,
            actor="accountant-9",
        )
        return str(entry.id)


def _ops(issuer: TestTokenIssuer, books: Any, operator: bool = True) -> dict[str, str]:
    return books.headers(issuer, uuid.uuid4(), operator=operator)


def _vouchers(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("gb18030"))))


def _balanced(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], Decimal]:
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        key = (r["凭证日期"][:7], r["凭证类别"], r["凭证号"])
        totals[key] += Decimal(r["借方金额"] or 0) - Decimal(r["贷方金额"] or 0)
    assert all(v == 0 for v in totals.values()), totals
    return totals


async def test_vouchers_export_once_balanced_with_partner_codes(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    customer, supplier = uuid.uuid4(), uuid.uuid4()
    day = date(2031, 3, 1) + timedelta(days=next(_days))
    sale = await _post(app, day, [
        PostingLine("1122", debit_fen=106_000, counterparty_org_id=customer, memo="开票 00001"),
        PostingLine("6001", credit_fen=100_000, counterparty_org_id=customer),
        PostingLine("2221", credit_fen=6_000, counterparty_org_id=customer),
    ], memo="开票")  # fmt: skip
    receipt = await _post(app, day, [
        PostingLine("1002", debit_fen=50_000),
        PostingLine("1122", credit_fen=50_000, counterparty_org_id=customer),
    ], memo="收款")  # fmt: skip
    cost = await _post(app, day, [
        PostingLine("6401", debit_fen=30_000, counterparty_org_id=supplier),
        PostingLine("2202", credit_fen=30_000, counterparty_org_id=supplier),
    ], memo="推广费")  # fmt: skip
    h = _ops(token_issuer, books)
    body = {"legal_entity": ENTITY, "date_from": str(day), "date_to": str(day),
            "voucher_types": "收付转"}  # fmt: skip

    refused = await client.post("/v1/yonyou/exports", json=body, headers=h)
    assert refused.status_code == 422, refused.text
    assert {e["field"] for e in refused.json()["errors"]} == {
        f"partners[{customer}].customer_code",
        f"partners[{supplier}].supplier_code",
    }
    for org, codes in (
        (customer, {"customer_code": "C0001"}),
        (supplier, {"supplier_code": "S07"}),
    ):
        put = await client.put(f"/v1/yonyou/partners/{org}", json=codes, headers=h)
        assert put.status_code == 200, put.text

    not_operator = await client.post(
        "/v1/yonyou/exports", json=body, headers=_ops(token_issuer, books, operator=False)
    )
    assert not_operator.status_code == 403

    clerk = token_issuer.headers(entry="finance", functions=["finance.report.export"], subject=str(
        uuid.uuid4()), org_id=uuid.uuid4(), platform_operator=True, name="王会计")  # fmt: skip
    exported = await client.post("/v1/yonyou/exports", json=body, headers=clerk)
    assert exported.status_code == 201, exported.text
    batch = exported.json()
    assert (batch["voucher_count"], batch["line_count"], batch["debit_total"]) == (3, 7, "1860.00")
    file = await client.get(batch["file"], headers=h)
    assert file.headers["content-type"].startswith("text/csv")
    rows = _vouchers(file.content)
    assert list(rows[0]) == ["凭证日期", "凭证类别", "凭证号", "附单据数", "摘要", "科目编码",
                             "借方金额", "贷方金额", "客户编码", "供应商编码", "制单人",
                             "外部凭证号"]  # fmt: skip
    _balanced(rows)
    assert {r["制单人"] for r in rows} == {"王会计"}  # the exporting clerk by name, not an id
    kinds = {r["外部凭证号"]: r["凭证类别"] for r in rows}
    assert kinds == {sale: "转", receipt: "收", cost: "转"}
    by_account = {(r["外部凭证号"], r["科目编码"]): r for r in rows}
    assert by_account[(sale, "1122")]["客户编码"] == "C0001"
    assert by_account[(sale, "1122")]["摘要"] == "开票 00001"
    assert by_account[(sale, "6001")]["贷方金额"] == "1000.00"
    assert by_account[(cost, "2202")]["供应商编码"] == "S07"
    assert by_account[(receipt, "1002")]["客户编码"] == ""
    assert {r["凭证号"] for r in rows if r["凭证类别"] == "转"} == {"1", "2"}

    again = await client.post("/v1/yonyou/exports", json=body, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_export"
    late = await _post(
        app, day, [PostingLine("6603", debit_fen=12), PostingLine("1012", credit_fen=12)]
    )
    more = await client.post("/v1/yonyou/exports", json=body, headers=h)
    assert more.status_code == 201 and more.json()["voucher_count"] == 1
    rows = _vouchers((await client.get(more.json()["file"], headers=h)).content)
    assert {r["外部凭证号"] for r in rows} == {late}
    assert {r["凭证类别"] for r in rows} == {"付"}

    listed = await client.get(f"/v1/yonyou/exports?legal_entity={ENTITY}", headers=h)
    assert {batch["id"], more.json()["id"]} <= {b["id"] for b in listed.json()}


_entry = st.lists(
    st.tuples(st.sampled_from(["1122", "1002", "6401", "6603", "1012", "2241"]),
              st.integers(1, 10**8)),
    min_size=1, max_size=4,
)  # fmt: skip


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(_entry, min_size=1, max_size=8), limit=st.integers(1, 4))
async def test_every_entry_is_exported_exactly_once_and_every_voucher_balances(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    books: Any,
    entries: list[Any],
    limit: int,
) -> None:
    day = date(2035, 1, 1) + timedelta(days=next(_days))
    posted = set()
    for debits in entries:
        # debits on the drawn accounts, one balancing credit on 6001
        lines = [PostingLine(code, debit_fen=fen) for code, fen in debits]
        lines.append(PostingLine("6001", credit_fen=sum(fen for _, fen in debits)))
        posted.add(await _post(app, day, lines))
    h = _ops(token_issuer, books)
    body = {"legal_entity": ENTITY, "date_from": str(day), "date_to": str(day), "limit": limit}
    seen: list[str] = []
    while True:
        response = await client.post("/v1/yonyou/exports", json=body, headers=h)
        if response.status_code == 409:
            break
        assert response.status_code == 201, response.text
        rows = _vouchers((await client.get(response.json()["file"], headers=h)).content)
        _balanced(rows)
        ids = list(dict.fromkeys(r["外部凭证号"] for r in rows))
        assert len(ids) == response.json()["voucher_count"] <= limit
        seen += ids
    assert sorted(seen) == sorted(posted)  # each once, none left out


async def test_settlements_import_once_and_refuse_bad_rows_whole(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    h = _ops(token_issuer, books)
    org = uuid.uuid4()
    await client.put(f"/v1/yonyou/partners/{org}", json={"customer_code": "C9001"}, headers=h)
    tag = uuid.uuid4().hex[:8]
    text = (
        "单据日期,单据编号,方向,往来单位编码,金额,摘要\n"
        f"2031-04-01,SK{tag}1,应收,C9001,1000.50,收回服务费\n"
        f"2031/04/02,FK{tag}2,应付,S0001,300,付推广费\n"
    )
    url = f"/v1/yonyou/settlements?legal_entity={ENTITY}"
    first = await client.post(url, content=text.encode("gb18030"), headers=h)
    assert first.status_code == 200, first.text
    assert (first.json()["imported"], first.json()["amount"]) == (2, "1300.50")
    assert first.json()["unknown_partner_codes"] == ["S0001"]
    again = await client.post(url, content=text.encode("utf-8"), headers=h)
    assert (again.json()["imported"], again.json()["duplicates"]) == (0, 2)

    bad = text + f"2031-04-03,SK{tag}3,应收,C9001,12.345,\n2031-13-01,SK{tag}4,x,C9001,1,\n"
    refused = await client.post(url, content=bad.encode(), headers=h)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [
        "file.rows[4].金额",
        "file.rows[5].单据日期",
        "file.rows[5].方向",
    ]
    changed = text.replace("1000.50", "1000.51")
    conflict = await client.post(url, content=changed.encode(), headers=h)
    assert conflict.status_code == 422
    assert conflict.json()["errors"][0]["field"] == "file.rows[2].金额"

    totals = await client.get(
        f"/v1/yonyou/settlements?legal_entity={ENTITY}&date_from=2031-04-01&date_to=2031-04-30",
        headers=h,
    )
    mine = {(t["side"], t["partner_code"]): t for t in totals.json()}
    assert mine[("receivable", "C9001")]["counterparty_org_id"] == str(org)
    assert mine[("receivable", "C9001")]["documents"] == 1  # the refused rows left nothing
    no_header = await client.post(url, content=b"a,b\n1,2\n", headers=h)
    assert no_header.json()["errors"][0]["field"] == "file.header"
