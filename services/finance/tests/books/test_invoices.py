"""Invoice applications, issuing, rejection and red letters through the API (both databases)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from servicekit.clock import FixedClock
from servicekit.testing.tokens import TestTokenIssuer


async def test_apply_issue_and_red_letters_keep_every_limit(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    one, two = await books.record_orders(app, org, 10_000, 5_300)

    too_much = await client.post(
        "/v1/invoices/applications",
        json=books.application_body([(one, "60.00"), (two, "53.01")]),
        headers=h,
    )
    assert too_much.status_code == 422, too_much.text
    assert too_much.headers["content-type"].startswith("application/problem+json")
    assert too_much.json()["errors"][0] == {
        "field": "body.lines[1].amount",
        "code": "exceeds_uninvoiced",
        "message": too_much.json()["errors"][0]["message"],
    }

    applied = await client.post(
        "/v1/invoices/applications",
        json=books.application_body([(one, "60.00"), (two, "53.00"), (one, "40.00")]),
        headers=h,
    )
    assert applied.status_code == 201, applied.text
    app_ = applied.json()
    assert (app_["status"], app_["amount"], app_["applied_by"]) == (
        "applied",
        "153.00",
        "invoicer-1",
    )
    # 6% inside 60.00 → 3.40, 53.00 → 3.00, 40.00 → 2.26
    assert app_["tax"] == "8.66"
    assert app_["application_no"].startswith("IA")

    # The whole remainder is taken while the application is pending.
    again = await client.post(
        "/v1/invoices/applications", json=books.application_body([(one, "0.01")]), headers=h
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "exceeds_uninvoiced"

    number = books.invoice_no()
    issued = await client.post(
        f"/v1/invoices/applications/{app_['id']}/issue",
        json={"invoice_no": number, "issue_date": "2026-11-25"},
        headers=h,
    )
    assert issued.status_code == 200, issued.text
    blue = issued.json()["invoices"][0]
    assert issued.json()["status"] == "issued" and blue["invoice_no"] == number
    assert {(s["order_id"], s["amount"]) for s in blue["orders"]} == {
        (one, "100.00"),
        (two, "53.00"),
    }
    twice = await client.post(
        f"/v1/invoices/applications/{app_['id']}/issue",
        json={"invoice_no": books.invoice_no(), "issue_date": "2026-11-25"},
        headers=h,
    )
    assert twice.status_code == 409 and twice.json()["code"] == "application_not_pending"

    entry = (await client.get(f"/v1/ledger/entries/{blue['journal_entry_id']}", headers=h)).json()
    sides = [(ln["account_code"], ln["debit"], ln["credit"]) for ln in entry["lines"]]
    assert ("6001", "0.00", "144.34") in sides and ("2221", "0.00", "8.66") in sides
    assert sum(float(ln["debit"]) for ln in entry["lines"]) == 153.0

    item = (await client.get(f"/v1/settlement-items/{one}", headers=h)).json()
    assert (item["invoiced"], item["invoice_pending"], item["uninvoiced"]) == (
        "100.00",
        "0.00",
        "0.00",
    )

    bad_no = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={"red_invoice_no": "123", "issue_date": "2026-11-26", "reason": "sales_allowance"},
        headers=h,
    )
    assert bad_no.status_code == 422
    assert bad_no.json()["errors"][0]["field"] == "body.red_invoice_no"

    over = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={
            "red_invoice_no": books.invoice_no(),
            "issue_date": "2026-11-26",
            "reason": "sales_allowance",
            "orders": [{"order_id": one, "amount": "100.01"}],
        },
        headers=h,
    )
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "body.orders[0].amount"

    one_no = (await client.get(f"/v1/settlement-items/{one}", headers=h)).json()["order_no"]
    stranger = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={
            "red_invoice_no": books.invoice_no(),
            "issue_date": "2026-11-26",
            "reason": "sales_allowance",
            "orders": [{"order_no": "OC20261126999999", "amount": "1.00"}],
        },
        headers=h,
    )
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "body.orders[0].order_no"
    part = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={
            "red_invoice_no": books.invoice_no(),
            "issue_date": "2026-11-26",
            "reason": "sales_allowance",
            "note": "折让 30%",
            "orders": [{"order_no": one_no.lower(), "amount": "30.00"}],  # as a clerk types it
        },
        headers=h,
    )
    assert part.status_code == 201, part.text
    assert (part.json()["kind"], part.json()["amount"], part.json()["tax"]) == (
        "red",
        "30.00",
        "1.70",
    )
    rest = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={
            "red_invoice_no": books.invoice_no(),
            "issue_date": "2026-11-27",
            "reason": "invoice_error",
        },
        headers=h,
    )
    assert rest.status_code == 201, rest.text
    # Everything left: 70.00 of one and 53.00 of two, with exactly the tax left.
    assert (rest.json()["amount"], rest.json()["tax"]) == ("123.00", "6.96")
    done = await client.post(
        f"/v1/invoices/{blue['id']}/red-letters",
        json={
            "red_invoice_no": books.invoice_no(),
            "issue_date": "2026-11-27",
            "reason": "invoice_error",
        },
        headers=h,
    )
    assert done.status_code == 409 and done.json()["code"] == "invoice_fully_reversed"
    reversed_blue = (await client.get(f"/v1/invoices/{blue['id']}", headers=h)).json()
    assert reversed_blue["reversed_amount"] == "153.00"

    # Reversed orders can be invoiced again.
    item = (await client.get(f"/v1/settlement-items/{one}", headers=h)).json()
    assert item["uninvoiced"] == "100.00"


async def test_reject_withdraw_free_the_remainder_and_scoping(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org, stranger = uuid.uuid4(), uuid.uuid4()
    h = books.headers(token_issuer, org)
    (order,) = await books.record_orders(app, org, 20_000)
    (payable,) = await books.record_orders(app, org, 500, direction="payable")  # type: ignore[arg-type]

    not_receivable = await client.post(
        "/v1/invoices/applications", json=books.application_body([(payable, "5.00")]), headers=h
    )
    assert not_receivable.json()["errors"][0]["code"] == "not_receivable"

    foreign = await client.post(
        "/v1/invoices/applications",
        json=books.application_body([(order, "10.00")]),
        headers=books.headers(token_issuer, stranger),
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0] == {
        "field": "body.lines[0].order_id",
        "code": "unknown_order",
        "message": foreign.json()["errors"][0]["message"],
    }

    bad_rate = books.application_body([(order, "10.00")], rate="0.07")
    refused = await client.post("/v1/invoices/applications", json=bad_rate, headers=h)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.lines.0.tax_rate"

    special = books.application_body([(order, "10.00")])
    special["invoice_type"] = "vat_special"
    refused = await client.post("/v1/invoices/applications", json=special, headers=h)
    assert refused.json()["errors"][0]["field"] == "body.buyer.bank_account"

    first = (
        await client.post(
            "/v1/invoices/applications", json=books.application_body([(order, "200.00")]), headers=h
        )
    ).json()
    hidden = await client.get(
        f"/v1/invoices/applications/{first['id']}", headers=books.headers(token_issuer, stranger)
    )
    assert hidden.status_code == 404
    assert (
        await client.get("/v1/invoices/applications", headers=books.headers(token_issuer, stranger))
    ).json() == []

    no_right = await client.post(
        f"/v1/invoices/applications/{first['id']}/reject",
        json={"reason": "wrong buyer"},
        headers=books.headers(token_issuer, org, functions=("finance.invoice.apply",)),
    )
    assert no_right.status_code == 403

    rejected = await client.post(
        f"/v1/invoices/applications/{first['id']}/reject", json={"reason": "wrong buyer"}, headers=h
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decided_by"] == "invoicer-1"

    second = (
        await client.post(
            "/v1/invoices/applications", json=books.application_body([(order, "200.00")]), headers=h
        )
    ).json()
    withdrawn = await client.post(
        f"/v1/invoices/applications/{second['id']}/withdraw", json={"reason": "later"}, headers=h
    )
    assert withdrawn.json()["status"] == "withdrawn"
    listed = await client.get(f"/v1/invoices/applications?order_id={order}", headers=h)
    assert [a["status"] for a in listed.json()] == ["withdrawn", "rejected"]
    item = (await client.get(f"/v1/settlement-items/{order}", headers=h)).json()
    assert item["uninvoiced"] == "200.00"


async def test_concurrent_applications_never_over_invoice_an_order(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    books: Any,
    database_url: str,
) -> None:
    # PostgreSQL: the order's row lock decides; SQLite: its single writer does. Either way
    # exactly one application takes the remainder.
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    (order,) = await books.record_orders(app, org, 10_000)
    body = books.application_body([(order, "60.00")])
    answers = await asyncio.gather(
        *(client.post("/v1/invoices/applications", json=body, headers=h) for _ in range(6))
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 422, 422, 422, 422, 422], [a.text for a in answers]
    item = (await client.get(f"/v1/settlement-items/{order}", headers=h)).json()
    assert (item["invoice_pending"], item["uninvoiced"]) == ("60.00", "40.00")


async def test_application_numbers_and_times_follow_the_clock_in_shanghai(
    app: FastAPI,
    client: httpx.AsyncClient,
    token_issuer: TestTokenIssuer,
    books: Any,
    clock: FixedClock,
) -> None:
    org = uuid.uuid4()
    h = books.headers(token_issuer, org)
    one, two = await books.record_orders(app, org, 10_000, 10_000)
    # 23:59 in Shanghai on the 26th, then 00:01 on the 27th (16:01 UTC, still the 26th there).
    clock.set(datetime(2026, 11, 26, 15, 59, tzinfo=UTC))
    late = await client.post(
        "/v1/invoices/applications", json=books.application_body([(one, "100.00")]), headers=h
    )
    clock.advance(minutes=2)
    early = await client.post(
        "/v1/invoices/applications", json=books.application_body([(two, "100.00")]), headers=h
    )
    assert late.status_code == early.status_code == 201, (late.text, early.text)
    assert late.json()["application_no"].startswith("IA20261126")
    assert early.json()["application_no"].startswith("IA20261127")
    assert datetime.fromisoformat(early.json()["applied_at"]) == clock()


async def test_applications_are_found_by_the_numbers_people_type(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, books: Any
) -> None:
    org, other = uuid.uuid4(), uuid.uuid4()
    h, h_other = books.headers(token_issuer, org), books.headers(token_issuer, other)
    one, two = await books.record_orders(app, org, 10_000, 10_000)
    (theirs,) = await books.record_orders(app, other, 10_000)
    first = (await client.post("/v1/invoices/applications",
                               json=books.application_body([(one, "100.00")]), headers=h)).json()  # fmt: skip
    second = (await client.post("/v1/invoices/applications",
                                json=books.application_body([(two, "100.00")]), headers=h)).json()  # fmt: skip
    await client.post("/v1/invoices/applications",
                      json=books.application_body([(theirs, "100.00")]), headers=h_other)  # fmt: skip
    invoice_no = books.invoice_no()
    issued = await client.post(
        f"/v1/invoices/applications/{second['id']}/issue",
        json={"invoice_no": invoice_no, "issue_date": "2026-11-25"},
        headers=h,
    )
    assert issued.status_code == 200, issued.text
    one_no = (await client.get(f"/v1/settlement-items/{one}", headers=h)).json()["order_no"]

    async def found(number: str, headers: dict[str, str] = h) -> list[str]:
        listed = await client.get("/v1/invoices/applications", params={"number": number},
                                  headers=headers)  # fmt: skip
        assert listed.status_code == 200, listed.text
        return [a["application_no"] for a in listed.json()]

    assert await found(first["application_no"]) == [first["application_no"]]
    assert await found(f" {first['application_no'].lower()} ") == [first["application_no"]]
    assert await found(invoice_no) == [second["application_no"]]
    assert await found(one_no) == [first["application_no"]]
    # Another institution's numbers find nothing, whichever kind they are.
    assert await found(first["application_no"], h_other) == []
    assert await found(invoice_no, h_other) == []
    assert await found(one_no, h_other) == []
    too_long = await client.get("/v1/invoices/applications", params={"number": "9" * 33},
                                headers=h)  # fmt: skip
    assert too_long.status_code == 422
