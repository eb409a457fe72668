"""Settlement lists (结算清单): preview, create the billing order, the invoice request event."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text

from shared_schemas import Money


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
    assert (billing["direction"], billing["amount"], billing["status"]) == (
        "receivable",
        "100.03",
        "created",
    )
    assert [line["amount"] for line in billing["lines"]] == ["0.01", "0.02", "100.00"]
    assert len(billing["trajectory"]) == 1

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
