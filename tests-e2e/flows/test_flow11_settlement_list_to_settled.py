"""Flow 11 (结算清单 → order → invoice → status back): 华成's closed deals of a sign-date range
go on a settlement list in the order center; its billing order becomes finance's invoice
application (buyer from 华成's 开票信息), finance issues it, the bank statement's receipt quoting
the invoice number is matched, and the billing order and its deals walk to settled and closed
from finance's events alone (FLOWS.md, flow 11).

People: the platform operator (orders, bank statement), the platform's finance reviewer
(invoicing details, issuing); 华成's staff issues the policies that are the deals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # conftest is not importable at runtime (importlib mode)
    from conftest import Platform, Steps

REGION = "440111"  # 广州市白云区: this scenario's rule and rate card alone
RULE = "FLOW11-BAIYUN"
SIGN_FROM, SIGN_TO = "2026-10-12", "2026-10-13"


async def test_settlement_list_is_invoiced_collected_and_its_deals_close(
    platform: Platform, steps: Steps
) -> None:
    eventually, money = steps.eventually, steps.money
    HUACHENG = steps.huacheng
    ops = await platform.person("platform.admin")
    clerk = await platform.person("platform.finance")
    made = await steps.deals(
        region=REGION, rule_code=RULE, rate="0.1000", push_day="2026-09-01",
        vehicles=[
            {"plate": steps.fresh_plate(), "owner": "赵敏", "expiry": "2026-10-20",
             "premium": "3000.00", "sign_date": SIGN_FROM},
            {"plate": steps.fresh_plate(), "owner": "钱峰", "expiry": "2026-10-25",
             "premium": "2500.00", "sign_date": SIGN_TO},
        ],
    )  # fmt: skip
    deals = [await steps.deal_of(d["policy_no"]) for d in made]
    assert [d["fee"] for d in deals] == ["300.00", "250.00"]
    deal_orders = [
        await steps.order_by_no(ops, d["order_no"], category="channel_promotion_fee",
                                sign_date_from=SIGN_FROM, sign_date_to=SIGN_TO)
        for d in deals
    ]  # fmt: skip

    tax_id = steps.credit_code()
    await clerk.call("PUT", f"/api/finance/v1/invoices/buyers/{HUACHENG}", json={
        "name": "华成保险代理有限公司", "tax_id": tax_id,
        "address": "广州市天河区体育西路1号 020-88886666",
        "bank_account": "招商银行广州分行 120900000000001",
    })  # fmt: skip
    before = await steps.summary(ops, legal_entity="technology_company", date_from="2026-01-01",
                                 date_to="2035-12-31", customer=HUACHENG)  # fmt: skip

    # The operator previews and lists the deals signed in the range: one billing order.
    selection = {"customer_org_id": HUACHENG, "category": "channel_promotion_fee",
                 "sign_date_from": SIGN_FROM, "sign_date_to": SIGN_TO}  # fmt: skip
    preview = await ops.call("POST", "/api/orders/v1/orders/settlement-lists/preview",
                             json=selection)  # fmt: skip
    assert preview["count"] == 2 and preview["amount"] == "550.00", preview
    listed = await ops.call("POST", "/api/orders/v1/orders/settlement-lists", expect=201,
                            json=selection)  # fmt: skip
    billing = listed["billing_order"]
    assert sorted(listed["order_ids"]) == sorted(o["id"] for o in deal_orders)
    assert billing["amount"] == "550.00" and billing["direction"] == "receivable"
    assert billing["source_service"] == "settlement_list"

    # Finance answers the list with one application, the buyer from 华成's 开票信息.
    async def applied() -> dict[str, Any] | None:
        page = await clerk.call("GET", "/api/finance/v1/invoices/applications",
                                params={"order_id": billing["id"]})  # fmt: skip
        items = page["items"] if isinstance(page, dict) else page
        return items[0] if items else None

    application = await eventually(applied, "the settlement list's invoice application")
    assert application["settlement_list_id"] == listed["id"]
    assert application["status"] == "applied" and money(application["amount"]) == Decimal("550")
    assert application["buyer"]["tax_id"] == tax_id
    await steps.order_reaches(ops, billing["id"], "invoice_applied")

    invoice_no = f"4400{steps.fresh_digits(16)}"
    issued = await clerk.call(
        "POST", f"/api/finance/v1/invoices/applications/{application['id']}/issue",
        json={"invoice_no": invoice_no, "issue_date": "2026-10-20"},
    )  # fmt: skip
    assert issued["status"] == "issued"
    [invoice] = issued["invoices"]
    assert money(invoice["amount"]) == Decimal("550.00")
    assert money(invoice["tax"]) == Decimal("31.13")  # 550 × 6 % / 1.06, half up
    await steps.order_reaches(ops, billing["id"], "invoiced")

    # 华成 pays, quoting the invoice number; the statement's receipt is matched by reference.
    account = await steps.bank_account()
    imported = await steps.import_statement(account, [{
        "date": "2026-10-26", "income": "550.00", "party": "华成保险代理有限公司",
        "memo": f"服务费 发票{invoice_no}",
    }])  # fmt: skip
    assert imported, imported
    closed = await steps.order_reaches(ops, billing["id"], "closed")
    assert [t["to_status"] for t in closed["trajectory"]] == [
        "created", "reconciled", "invoice_applied", "invoiced", "settled", "closed",
    ], closed["trajectory"]  # fmt: skip
    assert closed["settled_amount"] == "550.00" and closed["invoiced_amount"] == "550.00"
    for deal_order in deal_orders:
        done = await steps.order_reaches(ops, deal_order["id"], "closed")
        assert [t["to_status"] for t in done["trajectory"]] == [
            "created",
            "reconciled",
            "invoice_applied",
            "invoiced",
            "settled",
            "closed",
        ], done["trajectory"]

    receipts = await ops.call("GET", "/api/finance/v1/receipts", params={
        "from": "2026-10-26T00:00:00+08:00", "to": "2026-10-27T00:00:00+08:00"})  # fmt: skip
    items = receipts["items"] if isinstance(receipts, dict) else receipts
    [receipt] = [r for r in items if r["receipt_no"].startswith(f"{account}:")]
    assert receipt["status"] == "allocated" and money(receipt["amount"]) == Decimal("550.00")

    # The books: receivable 550 booked and cleared, revenue 518.87 net of 31.13 VAT, 550 in.
    after = await steps.summary(ops, legal_entity="technology_company", date_from="2026-01-01",
                                date_to="2035-12-31", customer=HUACHENG)  # fmt: skip
    delta = {k: after[k] - before[k] for k in after}
    assert delta["receivable"] == Decimal("550.00"), delta
    assert delta["receivable_cleared"] == Decimal("550.00"), delta
    assert delta["received"] == Decimal("550.00"), delta
    assert delta["revenue"] == Decimal("518.87"), delta
