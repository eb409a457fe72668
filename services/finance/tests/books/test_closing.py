"""Month closing (结账): closed months take no entries, and every report reads the same before
and after a closing (closed months come from their balances, open ones from the lines)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from finance.ledger.posting import EntryRejected, PostingLine, post_entry
from finance.reports.repository import ReportRepository
from servicekit.testing.tokens import TestTokenIssuer

# Far before any other test's dates: closing is for the whole legal entity.
ENTITY = "agency_company"
PAIRS = [("1122", "6001"), ("1002", "1122"), ("6401", "2202"), ("2202", "1002"), ("1012", "2241")]


async def _post(app: FastAPI, day: date, debit: str, credit: str, fen: int, org: Any) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await post_entry(
            session,
            legal_entity=ENTITY,
            entry_date=day,
            source_type="closing-test",
            source_id=uuid.uuid4().hex,
            memo="closing test",
            lines=[
                PostingLine(debit, debit_fen=fen, counterparty_org_id=org),
                PostingLine(credit, credit_fen=fen, counterparty_org_id=org),
            ],
            actor="tester",
        )


async def test_reports_read_the_same_before_and_after_closing(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    rng = random.Random(7)
    orgs = [uuid.uuid4() for _ in range(3)]
    for _ in range(160):
        day = date(2020, 1, 1) + timedelta(days=rng.randint(0, 700))
        debit, credit = rng.choice(PAIRS)
        await _post(app, day, debit, credit, rng.randint(1, 10**7), rng.choice([*orgs, None]))
    h = books.headers(token_issuer, uuid.uuid4(), operator=True)
    e = f"legal_entity={ENTITY}"
    urls = [
        f"/v1/reports/summary?{e}&date_from=2020-01-01&date_to=2021-12-31&by_customer=true",
        f"/v1/reports/summary?{e}&date_from=2020-03-15&date_to=2021-04-10&by_customer=true",
        f"/v1/reports/summary?{e}&date_from=2021-05-02&date_to=2021-05-31",
        f"/v1/reports/summary?{e}&date_from=2021-06-01&date_to=2021-08-20",
        f"/v1/reports/summary?{e}&date_from=2020-06-30&date_to=2020-07-01"
        f"&customer_org_id={orgs[0]}",
        f"/v1/reports/aging?{e}&as_of=2021-09-15",
        f"/v1/reports/aging?{e}&as_of=2021-06-30&side=payable",
        f"/v1/reports/aging?{e}&as_of=2020-11-03",
        f"/v1/reports/daily?{e}&day=2021-07-01",
        f"/v1/reports/daily?{e}&day=2021-06-30",
        f"/v1/reports/daily?{e}&day=2020-12-05",
    ]
    before = [(await client.get(url, headers=h)).json() for url in urls]

    closed = await client.post(
        "/v1/ledger/closings", json={"legal_entity": ENTITY, "month": "2021-06"}, headers=h
    )
    assert closed.status_code == 201, closed.text
    months = [c["month"] for c in closed.json()]
    assert months[0] <= "2020-01-01" and months[-1] == "2021-06-01"
    assert sum(c["lines"] for c in closed.json()) >= 2

    after = [(await client.get(url, headers=h)).json() for url in urls]
    for url, old, new in zip(urls, before, after, strict=True):
        assert new == old, url

    # Closed months take no entries; the others still do.
    try:
        await _post(app, date(2021, 6, 30), "1122", "6001", 100, orgs[0])
        raise AssertionError("an entry was posted into a closed month")
    except EntryRejected as rejected:
        assert rejected.code == "period_closed"
        assert rejected.errors and rejected.errors[0]["field"] == "entry_date"
    await _post(app, date(2021, 7, 1), "1122", "6001", 100, orgs[0])

    again = await client.post(
        "/v1/ledger/closings", json={"legal_entity": ENTITY, "month": "2021-03"}, headers=h
    )
    assert again.status_code == 409 and again.json()["code"] == "month_closed"
    still_open = await client.post(
        "/v1/ledger/closings", json={"legal_entity": ENTITY, "month": "2999-01"}, headers=h
    )
    assert still_open.status_code == 422
    assert still_open.json()["errors"][0]["field"] == "body.month"
    not_operator = await client.post(
        "/v1/ledger/closings",
        json={"legal_entity": ENTITY, "month": "2021-07"},
        headers=books.headers(token_issuer, uuid.uuid4()),
    )
    assert not_operator.status_code == 403
    listed = await client.get(f"/v1/ledger/closings?{e}", headers=h)
    assert listed.json()[-1]["month"] == "2021-06-01"

    # An invoice dated in a closed month is refused on its issue_date, and nothing changes.
    org = uuid.uuid4()
    clerk = books.headers(token_issuer, org)
    (order,) = await books.record_orders(app, org, 5_000)
    applied = (
        await client.post(
            "/v1/invoices/applications",
            json=books.application_body([(order, "50.00")], entity=ENTITY),
            headers=clerk,
        )
    ).json()
    late = await client.post(
        f"/v1/invoices/applications/{applied['id']}/issue",
        json={"invoice_no": books.invoice_no(), "issue_date": "2021-05-01"},
        headers=clerk,
    )
    assert late.status_code == 422, late.text
    assert late.json()["errors"][0]["field"] == "body.issue_date"
    unchanged = (
        await client.get(f"/v1/invoices/applications/{applied['id']}", headers=clerk)
    ).json()
    assert (unchanged["status"], unchanged["invoices"]) == ("applied", [])
    item = (await client.get(f"/v1/settlement-items/{order}", headers=clerk)).json()
    assert (item["invoiced"], item["invoice_pending"]) == ("0.00", "50.00")


async def test_closed_months_read_as_the_open_computation_across_successive_closings(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    books: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every report after each of several closings equals the same report computed from
    journal lines alone (the closings ignored), for periods starting and ending inside and
    between closed months, before the first closing and in the open months; entries keep
    arriving in the open months between closings."""
    rng = random.Random(11)
    orgs = [uuid.uuid4() for _ in range(4)]
    h = books.headers(token_issuer, uuid.uuid4(), operator=True)
    e = f"legal_entity={ENTITY}"
    span_start = date(2021, 8, 1)

    async def post_until(last: date, n: int) -> None:
        first = max(span_start, await _first_open_day(client, h))
        for _ in range(n):
            day = first + timedelta(days=rng.randint(0, (last - first).days))
            debit, credit = rng.choice(PAIRS)
            await _post(app, day, debit, credit, rng.randint(1, 10**6), rng.choice([*orgs, None]))

    def urls() -> list[str]:
        days = ["2019-12-31", "2021-08-01", "2021-09-17", "2021-10-31", "2021-11-01",
                "2021-12-09", "2022-01-31", "2022-02-28", "2022-03-15", "2022-05-30"]  # fmt: skip
        picked = rng.sample(days, 6)
        found = []
        for a, b in zip(picked[::2], picked[1::2], strict=True):
            a, b = min(a, b), max(a, b)
            found += [
                f"/v1/reports/summary?{e}&date_from={a}&date_to={b}&by_customer=true",
                f"/v1/reports/summary?{e}&date_from={a}&date_to={b}&customer_org_id={orgs[0]}",
                f"/v1/reports/aging?{e}&as_of={b}",
                f"/v1/reports/aging?{e}&as_of={a}&side=payable",
                f"/v1/reports/daily?{e}&day={b}",
            ]
        return found

    async def compare() -> None:
        checked = urls()
        closed = [(await client.get(url, headers=h)).json() for url in checked]
        with monkeypatch.context() as m:  # the same reports with every month read from lines
            m.setattr(ReportRepository, "closed_end", _no_closing)
            opened = [(await client.get(url, headers=h)).json() for url in checked]
        for url, got, want in zip(checked, closed, opened, strict=True):
            assert got == want, url
            if url.endswith("by_customer=true"):  # the customers' total is the entity's total
                whole = await client.get(url.removesuffix("&by_customer=true"), headers=h)
                assert got["total"] == whole.json()["total"], url

    await post_until(date(2022, 5, 31), 120)
    await compare()
    for month in ("2021-09", "2021-11", "2022-02"):
        closing = await client.post(
            "/v1/ledger/closings", json={"legal_entity": ENTITY, "month": month}, headers=h
        )
        assert closing.status_code == 201, closing.text
        await compare()
        await post_until(date(2022, 5, 31), 40)  # late postings, in the open months only
        await compare()


async def _no_closing(self: ReportRepository, legal_entity: str) -> None:
    return None


async def _first_open_day(client: httpx.AsyncClient, headers: dict[str, str]) -> date:
    closings = (
        await client.get(f"/v1/ledger/closings?legal_entity={ENTITY}", headers=headers)
    ).json()
    if not closings:
        return date(2000, 1, 1)
    last = date.fromisoformat(closings[-1]["month"])
    return date(last.year + last.month // 12, last.month % 12 + 1, 1)
