"""Deals (成交): an issued pushed policy with a rate card asks the order center for its
receivable order (flows 4/5) and follows the order from the order center's answers."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text, update

from insurance.deals.handlers import (
    on_order_created,
    on_order_request_rejected,
    on_order_status_changed,
)
from insurance.pushes.handlers import on_entitlement_changed
from insurance.pushes.models import PushRule
from servicekit.messaging import HandlerContext
from shared_schemas import (
    EntitlementChangedV1,
    Entry,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderRequestRejectedV1,
    OrderStatus,
    OrderStatusChangedV1,
    new_event,
)


async def handle(app: FastAPI, handler: Any, event_type: str, payload: Any, key: Any) -> None:
    envelope = new_event(event_type, payload, producer="x", aggregate_id=key)
    async with app.state.sessionmaker() as session, session.begin():
        await handler(envelope, HandlerContext(session, app.state.messaging.outbox, envelope))


async def test_a_pushed_policy_becomes_a_deal_billed_by_the_order_center(
    api: Any, app: FastAPI, read_topic: Any
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(PushRule).values(active=False))
    operator = api.headers(uuid.uuid4(), operator=True, subject="ops")
    receiver, collector = uuid.uuid4(), uuid.uuid4()
    await api.ok(
        "PUT", f"/v1/push-receivers/{receiver}", headers=operator, json={"name": "成都代理"}
    )
    await handle(app, on_entitlement_changed, "sso.entitlement.changed",
                 EntitlementChangedV1(org_id=receiver, entitlement_version=1,
                                      entries=[Entry.insurance], changed_by="sso"), receiver)  # fmt: skip
    await api.ok("POST", "/v1/push-rules", headers=operator,
                 json={"rule_code": f"D-{uuid.uuid4().hex[:6]}", "name": "成都", "region_prefix": "5101",
                       "line": "car_commercial", "open_days": 90, "close_days": 0,
                       "receiver_org_id": str(receiver)})  # fmt: skip
    card = await api.ok("POST", "/v1/rate-cards", headers=operator,
                        json={"insurer_code": "CPIC", "region_prefix": "51",
                              "line": "car_commercial", "rate": "0.1500",
                              "valid_from": "2026-01-01"})  # fmt: skip
    assert card["rate"] == "0.1500"
    float_rate = await api.call("POST", "/v1/rate-cards", headers=operator,
                                json={**card, "rate": 0.15, "id": None})  # fmt: skip
    assert float_rate.status_code == 422
    plates = ("川A50001", "川A50002")
    for plate in plates:
        await api.ok("POST", "/v1/vehicles", collector,
                     json=api.vehicle(plate_no=plate, region_code="510100", vin=None,
                                      commercial_expiry="2039-12-20", compulsory_expiry=None))  # fmt: skip
    await api.ok("POST", "/v1/push-tasks", headers=operator, json={"as_of": "2039-11-02"})
    pushed = (await api.ok("GET", "/v1/pushes", receiver))["items"]
    deals = []
    for push in sorted(pushed, key=lambda p: p["plate_no"]):
        path = f"/v1/proposals/{push['proposal_id']}"
        await api.ok("POST", f"{path}/quote", receiver,
                     json={"insurer_code": "CPIC", "lines": [{"line": "car_commercial", "items": [
                         {"cover_code": "VEH_DAMAGE", "premium": "2310.50"},
                         {"cover_code": "THIRD_PARTY", "premium": "689.53"}]}]})  # fmt: skip
        await api.ok("POST", f"{path}/submit", receiver, json={})
        await api.ok("POST", f"{path}/issue", receiver, json={"sign_date": "2026-10-30"})
    deals = await api.ok("GET", "/v1/deals", receiver)
    assert len(deals) == 2
    # 3000.03 × 15 % = 450.0045 → 450.00, exactly.
    assert {(d["premium"], d["fee"], d["status"]) for d in deals} == {
        ("3000.03", "450.00", "requested")
    }
    # The request travels to the order center over the broker, one per deal, keyed by the deal.
    ids = {d["id"] for d in deals}
    requests = await read_topic(
        "insurance.order_request", lambda e: e["payload"]["source_ref"] in ids, want=2
    )
    payload = requests[0]["payload"]
    assert requests[0]["event_type"] == "insurance.order_request.submitted"
    assert (payload["category"], payload["direction"]) == ("channel_promotion_fee", "receivable")
    assert payload["customer_org_id"] == str(receiver)
    assert payload["sign_date"] == "2026-10-30"
    assert payload["amount"] == {"amount": "450.00", "currency": "CNY"}
    assert payload["source_no"].startswith("CJ")
    first, second = sorted(deals, key=lambda d: d["deal_no"])
    # The order center answers: created (twice — a redelivery changes nothing), then a step.
    order_id = uuid.uuid4()
    created = OrderCreatedV1(
        order_id=order_id, order_no="SO202611020001", category=OrderCategory.channel_promotion_fee,
        direction=OrderDirection.receivable, customer_org_id=receiver,
        amount=Money(amount="450.00"), source_service="insurance", source_ref=first["id"],
        created_by="insurance",
    )  # fmt: skip
    for _ in range(2):
        await handle(app, on_order_created, "orders.order.created", created, order_id)
    await handle(app, on_order_status_changed, "orders.order.status_changed",
                 OrderStatusChangedV1(order_id=order_id, order_no="SO202611020001",
                                      from_status=OrderStatus.created,
                                      to_status=OrderStatus.reconciled, changed_by="clerk"),
                 order_id)  # fmt: skip
    # Another service's order with the same reference is not ours.
    foreign = created.model_copy(update={"source_service": "risk", "source_ref": second["id"],
                                         "order_id": uuid.uuid4()})  # fmt: skip
    await handle(app, on_order_created, "orders.order.created", foreign, foreign.order_id)
    await handle(app, on_order_request_rejected, "orders.order_request.rejected",
                 OrderRequestRejectedV1(source_service="insurance", source_ref=second["id"],
                                        code="unknown_customer", reason="机构未登记开票信息"),
                 second["id"])  # fmt: skip
    after = {d["deal_no"]: d for d in await api.ok("GET", "/v1/deals", receiver)}
    billed, refused = after[first["deal_no"]], after[second["deal_no"]]
    assert (billed["status"], billed["order_no"], billed["order_status"]) == (
        "billed", "SO202611020001", "reconciled",
    )  # fmt: skip
    assert (refused["status"], refused["reject_reason"]) == ("rejected", "机构未登记开票信息")
    # The collecting institution, and anyone else, sees none of the receiver's deals.
    assert await api.ok("GET", "/v1/deals", collector) == []
    async with app.state.sessionmaker() as session:
        count = await session.execute(
            text("SELECT count(*) FROM outbox_messages WHERE event_type = "
                 "'insurance.order_request.submitted' AND message_key IN (:a, :b)"),
            {"a": first["id"], "b": second["id"]},
        )  # fmt: skip
        assert count.scalar_one() == 2
