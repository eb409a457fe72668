"""Settlement lists (结算清单): preview, create the billing order, the invoice request event."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from shared_schemas import Money, RedInvoiceReason


async def _deal(
    api: Any, db: Any, org: uuid.UUID, status: str = "created", **fields: Any
) -> dict[str, Any]:
    """A closed deal (成交) recorded as an order: signed, not yet billed."""
    order = await api.create(org, **fields)
    if status != "created":
        await db.force_status(order["id"], status)
    return order


async def test_preview_then_bill_the_closed_deals_once(api: Any, db: Any) -> None:
    org = uuid.uuid4()
    listed = [
        await _deal(api, db, org, amount="0.01", sign_date="2026-11-05"),
        await _deal(api, db, org, "reconciled", amount="0.02", sign_date="2026-11-10"),
        await _deal(api, db, org, amount="100.00", sign_date="2026-11-30"),
    ]
    await _deal(api, db, org, amount="9.00", sign_date="2026-12-01")  # out of range
    await _deal(api, db, org, amount="9.00", sign_date="2026-11-10", category="technical_service")
    # Not deals left to bill: cancelled, or already on the invoicing path on their own (the
    # life-cycle status `closed` comes after invoicing and settlement).
    for status in ("cancelled", "invoice_applied", "invoiced", "settled", "closed"):
        await _deal(api, db, org, status, amount="9.00", sign_date="2026-11-10")
    await _deal(api, db, org, amount="9.00", sign_date="2026-11-10", direction="payable")
    selection = {
        "customer_org_id": str(org),
        "category": "risk_assessment",
        "sign_date_from": "2026-11-01",
        "sign_date_to": "2026-11-30",
    }
    headers = api.headers(org)

    preview = await api.client.post(
        "/v1/orders/settlement-lists/preview", json=selection, headers=headers
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["count"], body["amount"]) == (3, "100.03")
    assert [o["order_no"] for o in body["orders"]] == [o["order_no"] for o in listed]

    created = await api.client.post(
        "/v1/orders/settlement-lists",
        json={**selection, "seller": "technology_company", "tax_rate": "0.06"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    settlement = created.json()
    assert (settlement["order_count"], settlement["amount"]) == (3, "100.03")
    assert settlement["order_ids"] == [o["id"] for o in listed]
    billing = settlement["billing_order"]
    assert settlement["list_no"] == "SL" + billing["order_no"][2:]
    # The list is the billing order's (and its created deals') reconciliation: ready for
    # finance's application without a person's 对账.
    assert (billing["direction"], billing["amount"], billing["status"]) == (
        "receivable",
        "100.03",
        "reconciled",
    )
    assert [line["amount"] for line in billing["lines"]] == ["0.01", "0.02", "100.00"]
    assert [(s["from_status"], s["to_status"]) for s in billing["trajectory"]] == [
        (None, "created"),
        ("created", "reconciled"),
    ]
    assert billing["trajectory"][1]["note"] == f"结算清单 {settlement['list_no']}"
    for deal in listed:
        assert (await api.get(deal["id"], org))["status"] == "reconciled"

    async with db.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox_messages WHERE message_key = :key"),
            {"key": settlement["id"]},
        )
        (event,) = [json.loads(b) for (b,) in rows]
    assert event["event_type"] == "orders.settlement_list.created"
    assert event["payload"]["order_id"] == billing["id"]
    assert event["payload"]["amount"] == Money(amount="100.03").model_dump(mode="json")
    assert event["payload"]["order_count"] == 3

    again = await api.client.post(
        "/v1/orders/settlement-lists/preview", json=selection, headers=headers
    )
    assert again.json()["count"] == 0
    twice = await api.client.post("/v1/orders/settlement-lists", json=selection, headers=headers)
    assert (twice.status_code, twice.json()["code"]) == (422, "nothing_to_settle")

    read = await api.client.get(f"/v1/orders/settlement-lists/{settlement['id']}", headers=headers)
    assert read.status_code == 200 and read.json()["order_ids"] == settlement["order_ids"]
    hidden = await api.client.get(
        f"/v1/orders/settlement-lists/{settlement['id']}", headers=api.headers(uuid.uuid4())
    )
    assert hidden.status_code == 404


async def test_selection_errors(api: Any) -> None:
    selection = {
        "customer_org_id": str(api.org_a),
        "category": "risk_assessment",
        "sign_date_from": "2026-11-30",
        "sign_date_to": "2026-11-01",
    }
    reversed_range = await api.client.post(
        "/v1/orders/settlement-lists/preview", json=selection, headers=api.headers()
    )
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"][0]["field"] == "body.sign_date_to"
    selection["sign_date_from"] = "2026-11-01"
    selection["sign_date_to"] = "2026-11-30"
    other = await api.client.post(
        "/v1/orders/settlement-lists/preview",
        json=selection,
        headers=api.headers(api.org_b, subject="clerk-b"),
    )
    assert (other.status_code, other.json()["code"]) == (403, "org_not_visible")


async def _listed(
    api: Any, amounts: list[str]
) -> tuple[uuid.UUID, dict[str, Any], list[dict[str, Any]]]:
    org = uuid.uuid4()  # its own institution: the database is shared by the module's tests
    deals = [
        await api.create(org, amount=a, sign_date=f"2026-11-{i + 1:02d}")
        for i, a in enumerate(amounts)
    ]
    created = await api.client.post(
        "/v1/orders/settlement-lists",
        json={
            "customer_org_id": str(org),
            "category": "risk_assessment",
            "sign_date_from": "2026-11-01",
            "sign_date_to": "2026-11-30",
        },
        headers=api.headers(org),
    )
    assert created.status_code == 201, created.text
    return org, created.json()["billing_order"], deals


def _path(order: dict[str, Any]) -> list[str]:
    return [s["to_status"] for s in order["trajectory"]]


BILLED = ["created", "reconciled", "invoice_applied", "invoiced", "settled", "closed"]


@pytest.mark.parametrize("batched", [True, False], ids=["one-batch", "one-at-a-time"])
async def test_finance_events_alone_take_the_list_and_its_deals_to_closed(
    batched: bool, api: Any, finance: Any
) -> None:
    org, billing, deals = await _listed(api, ["1200.00", "1200.00", "1200.00"])
    whole = [(billing["id"], "3600.00")]
    application = uuid.uuid4()
    events = [
        finance.applied(whole, application),
        finance.issued(whole, application_id=application),
        finance.allocated(whole),
    ]
    if batched:
        await finance.deliver(*events)
    else:
        for event in events:
            await finance.deliver(event)

    after = await api.get(billing["id"], org)
    assert (after["status"], after["invoiced_amount"], after["settled_amount"]) == (
        "closed", "3600.00", "3600.00",
    )  # fmt: skip
    assert _path(after) == BILLED
    assert {r["outcome"] for r in after["finance_records"]} == {"moved"}
    for deal in deals:
        d = await api.get(deal["id"], org)
        # Each deal shows it was billed: its own steps, caused by finance's events on the list.
        assert (d["status"], d["invoiced_amount"], d["settled_amount"]) == (
            "closed", "1200.00", "1200.00",
        )  # fmt: skip
        assert _path(d) == BILLED
        assert [s["cause"] for s in d["trajectory"][2:]] == [
            str(events[0].event_id), str(events[1].event_id),
            str(events[2].event_id), str(events[2].event_id),
        ]  # fmt: skip
        assert "结算清单 SL" in d["trajectory"][2]["note"]
        assert {r["outcome"] for r in d["finance_records"]} == {"moved"}


async def test_a_partial_red_letter_lowers_what_the_list_and_its_last_deals_owe(
    api: Any, finance: Any
) -> None:
    org, billing, deals = await _listed(api, ["1200.00", "1200.00", "1200.00"])
    whole = [(billing["id"], "3600.00")]
    application = uuid.uuid4()
    await finance.deliver(
        finance.applied(whole, application), finance.issued(whole, application_id=application)
    )
    # ¥600 销售折让: the list owes ¥3,000; the allowance comes off the last deal.
    await finance.deliver(finance.reversed([(billing["id"], "600.00")],
                                           RedInvoiceReason.sales_allowance))  # fmt: skip
    owing = await api.get(billing["id"], org)
    assert (owing["status"], owing["outstanding_amount"]) == ("invoiced", "3000.00")
    await finance.deliver(finance.allocated([(billing["id"], "3000.00")]))

    after = await api.get(billing["id"], org)
    assert (after["status"], after["invoiced_amount"], after["settled_amount"]) == (
        "closed", "3000.00", "3000.00",
    )  # fmt: skip
    assert after["outstanding_amount"] == "0.00"
    amounts = [
        (d["status"], d["invoiced_amount"], d["settled_amount"])
        for d in [await api.get(deal["id"], org) for deal in deals]
    ]
    assert amounts == [
        ("closed", "1200.00", "1200.00"),
        ("closed", "1200.00", "1200.00"),
        ("closed", "600.00", "600.00"),
    ]


async def test_a_rejected_list_application_returns_the_deals_to_reconciled(
    api: Any, finance: Any
) -> None:
    org, billing, deals = await _listed(api, ["10.00", "20.00"])
    await finance.deliver(finance.applied([(billing["id"], "30.00")]))
    assert (await api.get(deals[1]["id"], org))["status"] == "invoice_applied"
    await finance.deliver(finance.rejected([(billing["id"], "30.00")]))
    for order in (billing, *deals):
        assert (await api.get(order["id"], org))["status"] == "reconciled"
