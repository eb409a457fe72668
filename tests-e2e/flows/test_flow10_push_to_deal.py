"""Flow 10 (推送 → 成交): a renewal push makes proposals awaiting a quote at the receiving
institution; one is quoted and issued, one is given up with a reason; every step is recorded,
the funnel counts them, and the issued one is a deal whose service-fee order the order center
creates from insurance's order request (FLOWS.md, flows 10 → 4).

People: the platform operator sets up the rule and runs the push; 云鹰's staff collects the
vehicles; 华成's staff quotes, issues and gives up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # conftest is not importable at runtime (importlib mode)
    from conftest import Platform, Steps

REGION = "440106"  # 广州市天河区: the rule and rate card of this scenario alone
RULE = "FLOW10-TIANHE"


async def test_push_to_deal_records_every_step_and_the_deal_gets_its_order(
    platform: Platform, steps: Steps
) -> None:
    HUACHENG = steps.huacheng
    won_plate, lost_plate = steps.fresh_plate(), steps.fresh_plate()
    ops = await platform.person("platform.admin")
    clerk = await platform.person("huacheng.staff")
    collector = await platform.person("yunying.staff")
    await ops.call("PUT", f"/api/insurance/v1/push-receivers/{HUACHENG}",
                   json={"name": "华成保险代理有限公司", "capacity_per_run": 500})  # fmt: skip
    [deal_won] = await steps.deals(
        region=REGION, rule_code=RULE, rate="0.1250", push_day="2026-08-20",
        vehicles=[{"plate": won_plate, "owner": "李娜", "expiry": "2026-09-30",
                   "premium": "4321.00", "sign_date": "2026-09-03"}],
    )  # fmt: skip
    # A second vehicle of the same district, pushed by a later run, given up: 未成交 (price).
    owner = {"name": "王强", "id_number": steps.person_id_number(), "mobile": "13900001111"}
    await collector.call("POST", "/api/insurance/v1/vehicles", expect=201, json={
        "source": "mini_program", "plate_no": lost_plate, "region_code": REGION,
        "commercial_expiry": "2026-10-15", "compulsory_expiry": "2026-10-15",
        "use_nature": "private", "owner": owner,
    })  # fmt: skip
    task = await ops.call("POST", "/api/insurance/v1/push-tasks", expect=201,
                          json={"as_of": "2026-08-21"})  # fmt: skip
    assert task["pushed"] >= 1
    [lost_push] = (await clerk.call("GET", "/api/insurance/v1/pushes",
                                    params={"plate": lost_plate}))["items"]  # fmt: skip
    lost = await clerk.call(
        "POST",
        f"/api/insurance/v1/proposals/{lost_push['proposal_id']}/unconverted",
        json={"reason": "price", "note": "客户嫌贵"},
    )
    assert lost["status"] == "unconverted" and lost["unconverted_reason"] == "price"

    # Every step of the won proposal, by whom.
    won = await clerk.call("GET", f"/api/insurance/v1/proposals/{deal_won['proposal']['id']}")
    assert won["source"] == "push" and won["org_id"] == HUACHENG
    assert [(s["action"], s["to_status"]) for s in won["steps"]] == [
        ("create", "awaiting_quote"), ("quote", "quoted"), ("submit", "underwriting"),
        ("issue", "issued"),
    ]  # fmt: skip
    clerk_id = (await clerk.session())["user"]["id"]
    assert {s["by"] for s in won["steps"][1:]} == {clerk_id}
    assert all(s["by_name"] for s in won["steps"][1:])
    policies = await clerk.call("GET", "/api/insurance/v1/policies",
                                params={"policy_no": deal_won["policy_no"]})  # fmt: skip
    [policy] = policies["items"]
    assert policy["insurer_code"] == "PICC" and policy["line"] == "car_commercial"

    # The funnel of this rule: two pushed, one quoted, one issued, one unconverted (价格原因).
    funnel = await ops.call("GET", "/api/insurance/v1/pushes/funnel", params={"group_by": "rule"})
    [row] = [r for r in funnel["rows"] if r["key"] == RULE]
    assert (row["pushed"], row["quoted"], row["issued"], row["unconverted"], row["open"]) == (
        2, 1, 1, 1, 0,
    )  # fmt: skip
    assert row["unconverted_by_reason"] == {"price": 1} and row["conversion_rate"] == "0.5000"

    # The deal: fee = 4321.00 × 12.50 % = 540.125 → 540.13 (half up), its order created.
    deal = await steps.deal_of(deal_won["policy_no"])
    assert (deal["premium"], deal["rate"], deal["fee"]) == ("4321.00", "0.1250", "540.13")
    assert deal["status"] == "billed" and deal["plate_no"] == won_plate
    # The order center is the platform operator's (华成 holds insurance and finance only).
    order = await steps.order_by_no(
        ops,
        deal["order_no"],
        category="channel_promotion_fee",
        sign_date_from="2026-09-03",
        sign_date_to="2026-09-03",
    )
    assert order["direction"] == "receivable" and order["customer_org_id"] == HUACHENG
    assert order["amount"] == "540.13" and order["sign_date"] == "2026-09-03"
    assert order["source_service"] == "insurance" and order["status"] == "created"
    assert [t["to_status"] for t in order["trajectory"]] == ["created"]
    assert deal["order_status"] == "created"
