"""Ledger: balanced, immutable entries, idempotent by source, corrected only by reversal."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from finance.ledger.posting import (
    EntryDraft,
    EntryRejected,
    PostingLine,
    post_entries,
    post_entry,
    reverse_entry,
)
from finance.ledger.repository import LedgerRepository
from servicekit.errors import Conflict
from servicekit.testing.tokens import TestTokenIssuer

ORG = uuid.uuid4()


def _headers(
    issuer: TestTokenIssuer, *, operator: bool = True, org: uuid.UUID = ORG
) -> dict[str, str]:
    return issuer.headers(
        entry="finance",
        functions=("finance.report.query", "finance.ledger.configure"),
        org_id=org,
        subject="accountant-1",
        platform_operator=operator,
    )


def _sale(fen: int, org: uuid.UUID | None = ORG) -> list[PostingLine]:
    tax = fen * 6 // 106
    return [
        PostingLine("1122", debit_fen=fen, counterparty_org_id=org),
        PostingLine("6001", credit_fen=fen - tax, counterparty_org_id=org),
        PostingLine("2221", credit_fen=tax, counterparty_org_id=org),
    ]


async def test_post_entry_is_idempotent_by_source_and_reversed_once(app: FastAPI) -> None:
    source = uuid.uuid4().hex
    async with app.state.sessionmaker() as session, session.begin():
        first = await post_entry(
            session,
            legal_entity="technology_company",
            entry_date=date(2026, 11, 25),
            source_type="test",
            source_id=source,
            memo="sale",
            lines=_sale(10600),
            actor="tester",
        )
        again = await post_entry(
            session,
            legal_entity="technology_company",
            entry_date=date(2026, 11, 26),
            source_type="test",
            source_id=source,
            memo="sale repeated",
            lines=_sale(99),
            actor="tester",
        )
        assert again.id == first.id and again.total_fen == 10600
    async with app.state.sessionmaker() as session, session.begin():
        mirror = await reverse_entry(session, first.id, "wrong customer", actor="tester")
        assert mirror.reverses_entry_id == first.id
        assert [(ln.account_code, ln.debit_fen, ln.credit_fen) for ln in mirror.lines] == [
            ("1122", 0, 10600),
            ("6001", 10000, 0),
            ("2221", 600, 0),
        ]
    async with app.state.sessionmaker() as session, session.begin():
        with pytest.raises(Conflict) as twice:
            await reverse_entry(session, first.id, "again", actor="tester")
        assert twice.value.code == "journal_entry_already_reversed"
        with pytest.raises(Conflict):
            await reverse_entry(session, mirror.id, "undo the undo", actor="tester")


async def test_post_entries_writes_a_batch_once_and_rejects_it_whole(app: FastAPI) -> None:
    sources = [uuid.uuid4().hex for _ in range(3)]
    day = date(2026, 11, 25)

    def draft(source: str, fen: int) -> EntryDraft:
        return EntryDraft("technology_company", day, "test", source, "batch sale", _sale(fen))

    async with app.state.sessionmaker() as session, session.begin():
        before = await post_entry(
            session, legal_entity="technology_company", entry_date=day, source_type="test",
            source_id=sources[0], memo="first", lines=_sale(1060), actor="tester",
        )  # fmt: skip
        # One already posted, one new, the new one repeated inside the batch.
        posted = await post_entries(
            session,
            [draft(sources[0], 5300), draft(sources[1], 2120), draft(sources[1], 99)],
            actor="batcher",
        )
    assert posted[0].id == before.id and posted[0].total_fen == 1060
    assert posted[1].id == posted[2].id and posted[2].total_fen == 2120
    async with app.state.sessionmaker() as session:
        stored = await LedgerRepository(session).entry_by_source("test", sources[1])
        assert stored is not None and stored.created_by == "batcher"
        assert [(ln.line_no, ln.account_code, ln.debit_fen, ln.credit_fen) for ln in stored.lines] == [
            (1, "1122", 2120, 0), (2, "6001", 0, 2000), (3, "2221", 0, 120),
        ]  # fmt: skip

    # A bad entry anywhere rejects the batch before anything is written.
    bad = EntryDraft(
        "technology_company", day, "test", sources[2], "bad",
        [PostingLine("1122", debit_fen=100), PostingLine("6001", credit_fen=99)],
    )  # fmt: skip
    fresh = uuid.uuid4().hex
    async with app.state.sessionmaker() as session:
        with pytest.raises(EntryRejected) as rejected:
            await post_entries(session, [draft(fresh, 1060), bad], actor="batcher")
        assert [e["field"] for e in rejected.value.errors or []] == ["entries[1].lines"]
        await session.commit()
    async with app.state.sessionmaker() as session:
        assert await LedgerRepository(session).entry_by_source("test", fresh) is None


@pytest.mark.parametrize(
    ("lines", "field", "code"),
    [
        ([PostingLine("1122", debit_fen=100), PostingLine("6001", credit_fen=99)],
         "lines", "unbalanced"),
        ([PostingLine("1122", debit_fen=100), PostingLine("9999", credit_fen=100)],
         "lines[1].account_code", "unknown_account"),
        ([PostingLine("1122", debit_fen=100, credit_fen=100), PostingLine("6001", credit_fen=0)],
         "lines[0]", "one_side"),
        ([PostingLine("1122", debit_fen=-5), PostingLine("6001", credit_fen=-5)],
         "lines[0].debit_fen", "invalid_amount"),
        ([PostingLine("1122", debit_fen=100)], "lines", "too_few_lines"),
    ],
)  # fmt: skip
async def test_bad_entries_are_rejected_and_nothing_is_written(
    app: FastAPI, lines: list[PostingLine], field: str, code: str
) -> None:
    source = uuid.uuid4().hex
    async with app.state.sessionmaker() as session:
        with pytest.raises(EntryRejected) as rejected:
            await post_entry(
                session,
                legal_entity="agency_company",
                entry_date=date(2026, 11, 25),
                source_type="test",
                source_id=source,
                memo="bad",
                lines=lines,
                actor="tester",
            )
        assert {"field": field, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in rejected.value.errors or []
        ]
        await session.commit()
    async with app.state.sessionmaker() as session:
        assert await LedgerRepository(session).entry_by_source("test", source) is None


async def test_ledger_api_chart_manual_entry_reversal_and_scoping(
    client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    headers = _headers(token_issuer)
    chart = await client.get("/v1/ledger/accounts?legal_entity=agency_company", headers=headers)
    assert chart.status_code == 200, chart.text
    codes = {a["code"] for a in chart.json()}
    assert {"1002", "1012", "1122", "2202", "2221", "2241", "6001", "6401"} <= codes

    added = await client.put(
        "/v1/ledger/accounts/agency_company/660201",
        json={"name": "管理费用—办公费", "kind": "cost"},
        headers=headers,
    )
    assert added.status_code == 200 and added.json()["updated_by"] == "accountant-1"

    body = {
        "legal_entity": "agency_company",
        "entry_date": "2026-11-20",
        "reference": uuid.uuid4().hex,
        "memo": "办公用品",
        "lines": [
            {"account_code": "660201", "debit": "12.30", "counterparty_org_id": str(ORG)},
            {"account_code": "1002", "credit": "12.30"},
        ],
    }
    posted = await client.post("/v1/ledger/entries", json=body, headers=headers)
    assert posted.status_code == 201, posted.text
    entry = posted.json()
    assert entry["total"] == "12.30"
    repeated = await client.post("/v1/ledger/entries", json=body, headers=headers)
    assert repeated.json()["id"] == entry["id"]

    unbalanced = {**body, "reference": uuid.uuid4().hex}
    unbalanced["lines"] = [dict(body["lines"][0]), {"account_code": "1002", "credit": "12.31"}]
    bad = await client.post("/v1/ledger/entries", json=unbalanced, headers=headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "body.lines"

    floaty = {**body, "reference": uuid.uuid4().hex}
    floaty["lines"] = [{"account_code": "660201", "debit": 1.5}, {"account_code": "1002"}]
    assert (await client.post("/v1/ledger/entries", json=floaty, headers=headers)).json()["errors"][
        0
    ]["field"] == "body.lines.0.debit"

    reversed_ = await client.post(
        f"/v1/ledger/entries/{entry['id']}/reversal", json={"reason": "重复记账"}, headers=headers
    )
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["reverses_entry_id"] == entry["id"]
    twice = await client.post(
        f"/v1/ledger/entries/{entry['id']}/reversal", json={"reason": "again"}, headers=headers
    )
    assert twice.status_code == 409

    # An institution's user sees entries with its institution only.
    own = _headers(token_issuer, operator=False)
    assert (await client.get(f"/v1/ledger/entries/{entry['id']}", headers=own)).status_code == 200
    other = _headers(token_issuer, operator=False, org=uuid.uuid4())
    assert (await client.get(f"/v1/ledger/entries/{entry['id']}", headers=other)).status_code == 404
    listed = await client.get("/v1/ledger/entries?legal_entity=agency_company", headers=other)
    assert listed.json() == []
