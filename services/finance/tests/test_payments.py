"""Payments: approval chain, idempotent bank callbacks, transfers, withdrawals, top-ups."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

import httpx
from fastapi import FastAPI

from servicekit.clock import FixedClock
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import PaymentMadeV1


def load_support() -> ModuleType:
    name, path = "cash_support", Path(__file__).parent / "samples" / "cash_support.py"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


C = load_support()
add_order, headers, outstanding = C.add_order, C.headers, C.outstanding
account_lines, outbox_payloads = C.account_lines, C.outbox_payloads
bank_account, request_body, approve_fully = C.bank_account, C.request_body, C.approve_fully


async def test_approval_chain_then_paid_once_however_often_the_bank_calls_back(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    clerk = headers(token_issuer, subject="clerk-1")
    levels = await client.put(
        "/v1/approval-levels",
        json={
            "levels": [
                {"min_amount": "0", "approvals_required": 1},
                {"min_amount": "1000.00", "approvals_required": 2},
                {"min_amount": "100000.00", "approvals_required": 3},
            ]
        },
        headers=clerk,
    )
    assert levels.status_code == 200, levels.text
    account = await bank_account(client, clerk)
    org = uuid.uuid4()
    a = await add_order(app, org, 100_000, direction="payable")
    b = await add_order(app, org, 60_000, direction="payable")
    created = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(a.order_id, "1000.00"), (b.order_id, "500.00")]),
        headers=clerk,
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["approvals_required"], request["amount"]) == (
        "pending",
        2,
        "1500.00",
    )
    url = f"/v1/payment-requests/{request['id']}"

    own = await client.post(f"{url}/approvals", json={}, headers=clerk)
    assert own.status_code == 403 and own.json()["code"] == "own_request"
    too_early = await client.post(f"{url}/payment", json={"bank_reference": "B1"}, headers=clerk)
    assert too_early.status_code == 409 and too_early.json()["code"] == "not_approved"
    first = headers(token_issuer, subject="manager-1")
    step = await client.post(f"{url}/approvals", json={"comment": "同意"}, headers=first)
    assert step.json()["status"] == "pending"
    twice = await client.post(f"{url}/approvals", json={}, headers=first)
    assert twice.status_code == 409 and twice.json()["code"] == "already_approved"
    second = headers(token_issuer, subject="cfo-1")
    done = await client.post(f"{url}/approvals", json={}, headers=second)
    assert done.json()["status"] == "approved"
    assert [x["approver"] for x in done.json()["approvals"]] == ["manager-1", "cfo-1"]

    reference = f"CMB{uuid.uuid4().hex[:12]}"
    paid = await client.post(f"{url}/payment", json={"bank_reference": reference}, headers=second)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["bank_reference"]) == ("paid", reference)
    for _ in range(3):
        again = await client.post(
            f"{url}/payment", json={"bank_reference": reference}, headers=second
        )
        assert again.status_code == 200 and again.json() == paid.json()
    other = await client.post(f"{url}/payment", json={"bank_reference": "OTHER"}, headers=second)
    assert other.status_code == 409 and other.json()["code"] == "paid_with_other_reference"

    assert await outstanding(app, a.order_id) == 0
    assert await outstanding(app, b.order_id) == 10_000
    assert await account_lines(app, "payment", request["id"]) == [
        ("2202", 100_000, 0),
        ("2202", 50_000, 0),
        ("1002", 0, 150_000),
    ] or await account_lines(app, "payment", request["id"]) == [
        ("2202", 50_000, 0),
        ("2202", 100_000, 0),
        ("1002", 0, 150_000),
    ]
    events = [
        e
        for e in await outbox_payloads(app, "finance.payment.made")
        if e["payload"]["payment_id"] == request["id"]
    ]
    assert len(events) == 1
    made = PaymentMadeV1.model_validate(events[0]["payload"])  # what the order center reads
    assert made.amount.fen == 150_000 and {s.order_id for s in made.orders} == {
        a.order_id,
        b.order_id,
    }


async def test_requests_never_claim_more_than_is_owed_and_name_the_field(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    clerk = headers(token_issuer, subject="clerk-2")
    account = await bank_account(client, clerk)
    org = uuid.uuid4()
    order = await add_order(app, org, 10_000, direction="payable")
    receivable = await add_order(app, org, 10_000)
    first = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(order.order_id, "60.00")]),
        headers=clerk,
    )
    assert first.status_code == 201
    # 60 are claimed by the open request: 40 remain.
    over = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(order.order_id, "40.01")]),
        headers=clerk,
    )
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "body.lines[0].amount"
    wrong = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(receivable.order_id, "1")]),
        headers=clerk,
    )
    assert wrong.json()["errors"][0]["code"] == "not_payable"
    no_bank = await client.post(
        "/v1/payment-requests", json=request_body("0000", [(order.order_id, "1")]), headers=clerk
    )
    assert no_bank.json()["errors"][0]["field"] == "body.payer_bank_account"
    bad_type = request_body(account, [(order.order_id, "1")])
    bad_type["payee"]["type"] = "friend"
    assert (await client.post("/v1/payment-requests", json=bad_type, headers=clerk)).json()[
        "errors"
    ][0]["field"] == "body.payee.type"

    rejected = await client.post(
        f"/v1/payment-requests/{first.json()['id']}/rejection",
        json={"reason": "收款账户有误"},
        headers=headers(token_issuer, subject="m"),
    )
    assert rejected.json()["status"] == "rejected"
    # Rejected: its claim is released.
    retry = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(order.order_id, "100.00")]),
        headers=clerk,
    )
    assert retry.status_code == 201, retry.text

    stranger = headers(token_issuer, org=uuid.uuid4(), operator=False)
    hidden = await client.get(f"/v1/payment-requests/{retry.json()['id']}", headers=stranger)
    assert hidden.status_code == 404
    own = headers(token_issuer, org=org, operator=False)
    assert (
        await client.get(f"/v1/payment-requests/{retry.json()['id']}", headers=own)
    ).status_code == 200


async def test_fund_transfers_are_recorded_once_per_bank_reference(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    basic = await bank_account(client, h)
    general = await bank_account(client, h)
    agency = await bank_account(client, h, "agency_company")
    reference = f"TR{uuid.uuid4().hex[:10]}"
    body = {
        "from_account": basic,
        "to_account": general,
        "amount": "50000.00",
        "bank_reference": reference,
        "transferred_at": "2026-11-24T10:00:00+08:00",
    }
    first = await client.post("/v1/fund-transfers", json=body, headers=h)
    assert first.status_code == 201, first.text
    again = await client.post("/v1/fund-transfers", json=body, headers=h)
    assert again.json()["id"] == first.json()["id"]
    conflicting = await client.post("/v1/fund-transfers", json=body | {"amount": "1.00"}, headers=h)
    assert conflicting.status_code == 409
    cross = await client.post(
        "/v1/fund-transfers",
        json=body | {"to_account": agency, "bank_reference": "X" + reference},
        headers=h,
    )
    assert cross.status_code == 422 and cross.json()["errors"][0]["field"] == "body.to_account"
    listed = await client.get(f"/v1/fund-transfers?account={general}", headers=h)
    assert [t["transfer_no"] for t in listed.json()] == [first.json()["transfer_no"]]
    assert await account_lines(app, "fund_transfer", first.json()["id"]) == [
        ("1002", 5_000_000, 0),
        ("1002", 0, 5_000_000),
    ]
    outsider = headers(token_issuer, operator=False)
    assert (await client.get("/v1/fund-transfers", headers=outsider)).status_code == 403


async def test_service_staff_withdraw_their_own_balance(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer, clock: FixedClock
) -> None:
    clerk = headers(token_issuer, subject="clerk-3")
    account = await bank_account(client, clerk)
    org = uuid.uuid4()
    staff = f"staff-{uuid.uuid4().hex[:8]}"
    first = await add_order(app, org, 20_000, direction="payable")
    second = await add_order(app, org, 5_000, direction="payable")
    for order in (first, second):
        clock.advance(minutes=1)  # credits are spent oldest first
        credited = await client.post(  # by id (machines) and by number (people)
            f"/v1/staff-balances/{staff}/credits",
            json={"order_id": str(order.order_id)} if order is first else {"order_no": order.order_no},
            headers=clerk,
        )
        assert credited.status_code == 201, credited.text
    again = await client.post(
        f"/v1/staff-balances/{staff}/credits", json={"order_id": str(first.order_id)}, headers=clerk
    )
    assert again.status_code == 409
    unknown = await client.post(
        f"/v1/staff-balances/{staff}/credits", json={"order_no": "OC20261126999999"}, headers=clerk
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.order_no"

    me = headers(token_issuer, subject=staff, operator=False, functions=())
    assert (await client.get(f"/v1/staff-balances/{staff}", headers=me)).json()[
        "balance"
    ] == "250.00"
    someone = headers(token_issuer, subject="staff-other", operator=False, functions=())
    assert (await client.get(f"/v1/staff-balances/{staff}", headers=someone)).status_code == 403

    ask = {
        "amount": "220.00",
        "staff_name": "李四",
        "bank_account": "6217000011112222",
        "bank_name": "建设银行",
        "payer_bank_account": account,
    }
    too_much = await client.post(
        f"/v1/staff-balances/{staff}/withdrawals", json=ask | {"amount": "250.01"}, headers=me
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "body.amount"
    withdrawal = await client.post(f"/v1/staff-balances/{staff}/withdrawals", json=ask, headers=me)
    assert withdrawal.status_code == 201, withdrawal.text
    request = withdrawal.json()
    assert (request["origin"], request["payee_type"], request["amount"]) == (
        "withdrawal",
        "service_staff",
        "220.00",
    )
    assert sorted(x["amount"] for x in request["lines"]) == ["20.00", "200.00"]
    assert (await client.get(f"/v1/staff-balances/{staff}", headers=me)).json()[
        "balance"
    ] == "30.00"

    request = await approve_fully(client, token_issuer, request)
    paid = await client.post(
        f"/v1/payment-requests/{request['id']}/payment",
        json={"bank_reference": f"W{uuid.uuid4().hex[:10]}"},
        headers=clerk,
    )
    assert paid.json()["status"] == "paid"
    assert await outstanding(app, first.order_id) == 0
    assert await outstanding(app, second.order_id) == 3_000

    rest = await client.post(
        f"/v1/staff-balances/{staff}/withdrawals", json=ask | {"amount": "30.00"}, headers=me
    )
    rejected = await client.post(
        f"/v1/payment-requests/{rest.json()['id']}/rejection",
        json={"reason": "银行卡号不符"},
        headers=clerk,
    )
    assert rejected.json()["status"] == "rejected"
    assert (await client.get(f"/v1/staff-balances/{staff}", headers=me)).json()[
        "balance"
    ] == "30.00"


async def test_institution_top_ups_and_their_statement(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    h = headers(token_issuer)
    account = await bank_account(client, h)
    org = uuid.uuid4()
    url = f"/v1/org-balances/{org}"
    ref = f"TU{uuid.uuid4().hex[:10]}"
    first = await client.post(
        f"{url}/top-ups",
        json={"amount": "1000.00", "reference": ref, "bank_account": account},
        headers=h,
    )
    assert first.status_code == 201, first.text
    repeat = await client.post(
        f"{url}/top-ups",
        json={"amount": "1000.00", "reference": ref, "bank_account": account},
        headers=h,
    )
    assert repeat.json()["balance"] == "1000.00"
    second = await client.post(
        f"{url}/top-ups",
        json={"amount": "0.50", "reference": ref + "b", "bank_account": account},
        headers=h,
    )
    statement = second.json()
    assert statement["balance"] == "1000.50"
    assert [(e["seq"], e["amount"], e["balance_after"]) for e in statement["entries"]] == [
        (2, "0.50", "1000.50"),
        (1, "1000.00", "1000.00"),
    ]
    own = headers(token_issuer, org=org, operator=False)
    assert (await client.get(url, headers=own)).json()["balance"] == "1000.50"
    other = headers(token_issuer, org=uuid.uuid4(), operator=False)
    assert (await client.get(url, headers=other)).status_code == 404
    not_operator = await client.post(
        f"{url}/top-ups",
        json={"amount": "1", "reference": "z" + ref, "bank_account": account},
        headers=own,
    )
    assert not_operator.status_code == 403


async def test_concurrent_bank_callbacks_pay_once(
    app: FastAPI, client: httpx.AsyncClient, token_issuer: TestTokenIssuer
) -> None:
    clerk = headers(token_issuer, subject="clerk-4")
    account = await bank_account(client, clerk)
    order = await add_order(app, uuid.uuid4(), 30_000, direction="payable")
    created = await client.post(
        "/v1/payment-requests",
        json=request_body(account, [(order.order_id, "300.00")], payee="promoter"),
        headers=clerk,
    )
    request = await approve_fully(client, token_issuer, created.json())
    reference = f"CB{uuid.uuid4().hex[:12]}"
    answers = await asyncio.gather(
        *(
            client.post(
                f"/v1/payment-requests/{request['id']}/payment",
                json={"bank_reference": reference},
                headers=clerk,
            )
            for _ in range(4)
        )
    )
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert {a.json()["paid_at"] for a in answers} == {answers[0].json()["paid_at"]}
    assert await outstanding(app, order.order_id) == 0
    events = [
        e
        for e in await outbox_payloads(app, "finance.payment.made")
        if e["payload"]["payment_id"] == request["id"]
    ]
    assert len(events) == 1
    assert len(await account_lines(app, "payment", request["id"])) == 2
