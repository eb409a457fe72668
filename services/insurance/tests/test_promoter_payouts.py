"""The promoter's payout (推广费, flows 4/5): a deal whose agency has promoter terms asks the
order center for one payable promoter_payout order — 非垫付 once the deal's fee order exists,
垫付 once that order is settled — and shows the payout order on the deal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
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

PROMOTER = "promoter-wang"


async def handle(app: FastAPI, handler: Any, event_type: str, payload: Any, key: Any) -> None:
    envelope = new_event(event_type, payload, producer="x", aggregate_id=key)
    async with app.state.sessionmaker() as session, session.begin():
        await handler(envelope, HandlerContext(session, app.state.messaging.outbox, envelope))


async def _deals(api: Any, app: FastAPI, mode: str | None, plates: tuple[str, ...]) -> Any:
    """An agency with promoter terms (unless mode is None) closes one deal per plate: premium
    3000.03 × 15 % = 450.00 fee; a 30 % share = 135.00 to the vehicle's collector."""
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(PushRule).values(active=False))
    operator = api.headers(uuid.uuid4(), operator=True, subject="ops")
    receiver, collector = uuid.uuid4(), uuid.uuid4()
    await api.ok(
        "PUT", f"/v1/push-receivers/{receiver}", headers=operator, json={"name": "贵阳代理"}
    )
    await handle(app, on_entitlement_changed, "sso.entitlement.changed",
                 EntitlementChangedV1(org_id=receiver, entitlement_version=1,
                                      entries=[Entry.insurance], changed_by="sso"), receiver)  # fmt: skip
    await api.ok("POST", "/v1/push-rules", headers=operator,
                 json={"rule_code": f"P-{uuid.uuid4().hex[:6]}", "name": "贵阳", "region_prefix": "5201",
                       "line": "car_commercial", "open_days": 90, "close_days": 0,
                       "receiver_org_id": str(receiver)})  # fmt: skip
    await api.ok("POST", "/v1/rate-cards", headers=operator,
                 json={"insurer_code": "CPIC", "region_prefix": "52", "line": "car_commercial",
                       "rate": "0.1500", "valid_from": "2026-01-01"})  # fmt: skip
    if mode is not None:
        # An older version, then the one in force on the sign date.
        for share, valid_from in (("0.9000", "2025-01-01"), ("0.3000", "2026-06-01")):
            await api.ok("POST", "/v1/promoter-terms", headers=operator,
                         json={"org_id": str(receiver), "mode": mode, "share": share,
                               "valid_from": valid_from})  # fmt: skip
        # A later version does not apply to a deal signed before it.
        await api.ok("POST", "/v1/promoter-terms", headers=operator,
                     json={"org_id": str(receiver), "mode": mode, "share": "0.5000",
                           "valid_from": "2026-12-01"})  # fmt: skip
    collecting = api.headers(collector, subject=PROMOTER)
    for plate in plates:
        await api.ok("POST", "/v1/vehicles", headers=collecting,
                     json=api.vehicle(plate_no=plate, region_code="520100", vin=None,
                                      commercial_expiry="2039-12-20", compulsory_expiry=None))  # fmt: skip
    await api.ok("POST", "/v1/push-tasks", headers=operator, json={"as_of": "2039-11-02"})
    for push in (await api.ok("GET", "/v1/pushes", receiver))["items"]:
        path = f"/v1/proposals/{push['proposal_id']}"
        await api.ok("POST", f"{path}/quote", receiver,
                     json={"insurer_code": "CPIC", "lines": [{"line": "car_commercial", "items": [
                         {"cover_code": "VEH_DAMAGE", "premium": "2310.50"},
                         {"cover_code": "THIRD_PARTY", "premium": "689.53"}]}]})  # fmt: skip
        await api.ok("POST", f"{path}/submit", receiver, json={})
        await api.ok("POST", f"{path}/issue", receiver, json={"sign_date": "2026-10-30"})
    deals = sorted(await api.ok("GET", "/v1/deals", receiver), key=lambda d: d["deal_no"])
    assert len(deals) == len(plates)
    return receiver, collector, deals


def _created(receiver: uuid.UUID, ref: str, order_no: str, *, payout: bool = False) -> Any:
    return OrderCreatedV1(
        order_id=uuid.uuid4(), order_no=order_no,
        category=OrderCategory.promoter_payout if payout else OrderCategory.channel_promotion_fee,
        direction=OrderDirection.payable if payout else OrderDirection.receivable,
        customer_org_id=receiver, amount=Money(amount="135.00" if payout else "450.00"),
        source_service="insurance", source_ref=ref, created_by="insurance",
    )  # fmt: skip


def _step(order: Any, to: OrderStatus, frm: OrderStatus = OrderStatus.created) -> Any:
    return OrderStatusChangedV1(order_id=order.order_id, order_no=order.order_no,
                                from_status=frm, to_status=to, changed_by="finance")  # fmt: skip


async def _payout_requests(app: FastAPI, deal_id: str) -> list[Any]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT id FROM outbox_messages WHERE event_type = "
                 "'insurance.order_request.submitted' AND message_key = :k"),
            {"k": f"payout:{deal_id}"},
        )  # fmt: skip
        return [r[0] for r in rows]


@pytest.mark.parametrize("mode", ["non_advance", "advance"])
async def test_each_mode_asks_once_for_the_promoters_payable_order(
    api: Any, app: FastAPI, read_topic: Any, mode: str
) -> None:
    receiver, _, (deal,) = await _deals(api, app, mode, ("贵A60001",))
    assert (deal["promoter_subject"], deal["payout_mode"], deal["payout_fee"]) == (
        PROMOTER, mode, "135.00",
    )  # fmt: skip
    assert deal["payout_status"] is None  # nothing asked before the order center answers
    fee_order = _created(receiver, deal["id"], "SO202610300001")
    for _ in range(2):  # a redelivery asks nothing more
        await handle(app, on_order_created, "orders.order.created", fee_order, fee_order.order_id)
    asked_on_deal = await _payout_requests(app, deal["id"])
    assert len(asked_on_deal) == (1 if mode == "non_advance" else 0)
    # The fee order moves on; 垫付 waits for settlement (collection), then asks — once.
    await handle(app, on_order_status_changed, "orders.order.status_changed",
                 _step(fee_order, OrderStatus.invoiced), fee_order.order_id)  # fmt: skip
    assert len(await _payout_requests(app, deal["id"])) == len(asked_on_deal)
    for _ in range(2):
        await handle(app, on_order_status_changed, "orders.order.status_changed",
                     _step(fee_order, OrderStatus.settled, OrderStatus.invoiced),
                     fee_order.order_id)  # fmt: skip
    requests = await read_topic(
        "insurance.order_request", lambda e: e["payload"]["source_ref"] == f"payout:{deal['id']}",
        want=1,
    )  # fmt: skip
    assert len(await _payout_requests(app, deal["id"])) == 1
    payload = requests[0]["payload"]
    assert (payload["category"], payload["direction"]) == ("promoter_payout", "payable")
    assert payload["source_no"] == f"{deal['deal_no']}-TG"
    assert payload["customer_org_id"] == str(receiver)
    assert payload["counterparty"] == {"kind": "person", "id": PROMOTER, "name": PROMOTER}
    assert payload["amount"] == {"amount": "135.00", "currency": "CNY"}
    assert payload["lines"][0]["ref"] == deal["deal_no"]
    assert ("非垫付" if mode == "non_advance" else "（垫付）") in payload["lines"][0]["description"]
    # The order center answers the payout: the deal shows its order number and status.
    payout_order = _created(receiver, f"payout:{deal['id']}", "PO202612060001", payout=True)
    for _ in range(2):
        await handle(app, on_order_created, "orders.order.created", payout_order,
                     payout_order.order_id)  # fmt: skip
    await handle(app, on_order_status_changed, "orders.order.status_changed",
                 _step(payout_order, OrderStatus.settled), payout_order.order_id)  # fmt: skip
    (after,) = await api.ok("GET", "/v1/deals", receiver)
    assert (after["order_status"], after["payout_status"], after["payout_order_no"],
            after["payout_order_status"]) == ("settled", "ordered", "PO202612060001", "settled")  # fmt: skip


@pytest.mark.parametrize("mode", ["non_advance", "advance"])
async def test_a_rejected_fee_order_asks_for_no_payout(api: Any, app: FastAPI, mode: str) -> None:
    _, _, (deal,) = await _deals(api, app, mode, ("贵A60002",))
    await handle(app, on_order_request_rejected, "orders.order_request.rejected",
                 OrderRequestRejectedV1(source_service="insurance", source_ref=deal["id"],
                                        code="unknown_customer", reason="机构未登记开票信息"),
                 deal["id"])  # fmt: skip
    assert await _payout_requests(app, deal["id"]) == []


async def test_a_rejected_payout_request_is_shown_and_no_terms_means_no_payout(
    api: Any, app: FastAPI
) -> None:
    receiver, _, (deal,) = await _deals(api, app, "non_advance", ("贵A60003",))
    fee_order = _created(receiver, deal["id"], "SO202610300009")
    await handle(app, on_order_created, "orders.order.created", fee_order, fee_order.order_id)
    await handle(app, on_order_request_rejected, "orders.order_request.rejected",
                 OrderRequestRejectedV1(source_service="insurance", source_ref=f"payout:{deal['id']}",
                                        code="unknown_payee", reason="推广人员未实名"),
                 deal["id"])  # fmt: skip
    (after,) = await api.ok("GET", "/v1/deals", receiver)
    assert (after["status"], after["payout_status"], after["payout_reject_reason"]) == (
        "billed", "rejected", "推广人员未实名",
    )  # fmt: skip
    # An agency without promoter terms: a deal, no payout.
    other, _, (plain,) = await _deals(api, app, None, ("贵A60004",))
    assert plain["payout_mode"] is None
    fee_order = _created(other, plain["id"], "SO202610300010")
    await handle(app, on_order_created, "orders.order.created", fee_order, fee_order.order_id)
    await handle(app, on_order_status_changed, "orders.order.status_changed",
                 _step(fee_order, OrderStatus.settled), fee_order.order_id)  # fmt: skip
    assert await _payout_requests(app, plain["id"]) == []


async def test_promoter_terms_are_the_operators_scoped_and_checked(api: Any) -> None:
    operator = api.headers(uuid.uuid4(), operator=True, subject="ops")
    good = {"org_id": str(api.org_a), "mode": "advance", "share": "0.2500",
            "valid_from": "2026-01-01"}  # fmt: skip
    made = await api.ok("POST", "/v1/promoter-terms", headers=operator, json=good)
    assert (made["share"], made["created_by"]) == ("0.2500", "ops")
    await api.ok("POST", "/v1/promoter-terms", headers=operator,
                 json={**good, "org_id": str(api.org_b)})  # fmt: skip
    # A clerk may not set terms; each institution sees only its own.
    refused = await api.call("POST", "/v1/promoter-terms", api.org_a, json=good)
    assert refused.status_code == 403
    mine = await api.ok("GET", "/v1/promoter-terms", api.org_a)
    assert {t["org_id"] for t in mine} == {str(api.org_a)}
    for field, value in (
        ("mode", "weekly"),
        ("share", 0.25),
        ("share", "1.5000"),
        ("share", "0"),
        ("org_id", "华成"),
        ("valid_from", "2026-13-01"),
    ):
        response = await api.call("POST", "/v1/promoter-terms", headers=operator,
                                  json={**good, field: value})  # fmt: skip
        assert response.status_code == 422, (field, value)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text, (field, response.text)
