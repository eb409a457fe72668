"""The order-request seam: business services' `<service>.order_request.submitted` events
become orders once per source reference, through the order API's own rules and code path;
what cannot be accepted is recorded and answered with `orders.order_request.rejected`, never
dead-lettered. Delivered through the consumer's own inbox path (`finance.deliver`: the same
transaction, inbox and batch handler as the worker), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from orders.intake.models import OrderRequest
from orders.order.models import Order
from shared_schemas import (
    EventEnvelope,
    Money,
    OrderRequestCounterparty,
    OrderRequestLine,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    new_event,
    parse,
)

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # when the source service asked
#: Each request a second after the one built before it: rows read back in the order asked
#: (ids of one millisecond are in random order).
_SECONDS = itertools.count()


def request(
    org: uuid.UUID,
    *,
    source: str = "risk",
    ref: str | None = None,
    category: str = "risk_assessment",
    direction: str = "receivable",
    amount: str = "100.00",
    **fields: Any,
) -> EventEnvelope[OrderRequestSubmittedV1]:
    payload = OrderRequestSubmittedV1.model_validate(
        {
            "source_service": source,
            "source_ref": ref or f"{source}-{uuid.uuid4().hex[:12]}",
            "category": category,
            "direction": direction,
            "customer_org_id": org,
            "amount": Money(amount=amount),
            "requested_by": f"{source}-user-1",
            **fields,
        }
    )
    return new_event(
        f"{source}.order_request.submitted",
        payload,
        producer=source,
        aggregate_id=payload.source_ref,
        org_id=org,
        occurred_at=AT + timedelta(seconds=next(_SECONDS)),
    )


async def outbox(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox_messages WHERE event_type = :t ORDER BY id"),
            {"t": event_type},
        )
        return [json.loads(body) for (body,) in rows]


async def requests_of(app: FastAPI, source_ref: str) -> list[OrderRequest]:
    async with app.state.sessionmaker() as session:
        query = (
            select(OrderRequest)
            .where(OrderRequest.source_ref == source_ref)
            .order_by(OrderRequest.requested_at, OrderRequest.id)
        )
        return list((await session.execute(query)).scalars())


async def orders_of(app: FastAPI, source_refs: list[str]) -> dict[str, Order]:
    async with app.state.sessionmaker() as session:
        query = select(Order).where(Order.source_ref.in_(source_refs))
        return {o.source_ref: o for o in (await session.execute(query)).scalars()}


async def test_a_request_makes_one_order_even_when_delivered_twice_or_repeated(
    app: FastAPI, api: Any, finance: Any
) -> None:
    event = request(
        api.org_a,
        source="valueadd",
        category="value_added_redemption",
        amount="301.00",
        source_no="CP20261120000001",
        counterparty=OrderRequestCounterparty(kind="org", id="merchant-9", name="某洗车店"),
        seller="technology_company",
        tax_rate="0.06",
        lines=[
            OrderRequestLine(
                description="洗车券核销",
                quantity="2",
                unit_price=Money(amount="150.50"),
                amount=Money(amount="301.00"),
            )
        ],
        extension={
            "coupon_used_at": "2026-11-20T10:00:00+08:00",
            "car_model": "比亚迪 秦PLUS",
            "merchant": {"id": "merchant-9", "name": "某洗车店"},
            "product": {"id": "wash", "name": "洗车"},
        },
    )
    ref = event.payload.source_ref
    # Redelivered in the same batch and in a later one; then asked again under a new event.
    await finance.deliver(event, event)
    await finance.deliver(event)
    again = event.model_copy(
        update={"event_id": uuid.uuid4(), "occurred_at": event.occurred_at + timedelta(hours=1)}
    )
    await finance.deliver(again)

    orders = await orders_of(app, [ref])
    assert len(orders) == 1
    order = await api.get(str(orders[ref].id))
    assert (order["source_service"], order["amount"], order["tax_rate"]) == (
        "valueadd",
        "301.00",
        "0.06",
    )
    assert order["created_by"] == "valueadd-user-1"
    assert order["counterparty"] == {"name": "某洗车店", "id": "merchant-9"}
    assert order["lines"][0]["amount"] == "301.00"
    assert order["extension"]["coupon_used_at"] == "2026-11-20T02:00:00Z"
    [first] = order["trajectory"]
    assert (first["to_status"], first["by"], first["cause"]) == (
        "created",
        "valueadd-user-1",
        str(event.event_id),
    )
    assert first["note"] == "order request from valueadd (CP20261120000001)"

    created = [
        e for e in await outbox(app, "orders.order.created") if e["aggregate_id"] == order["id"]
    ]
    assert len(created) == 1
    parsed = parse(json.dumps(created[0]))
    assert (parsed.payload.source_service, parsed.payload.source_ref) == ("valueadd", ref)
    assert parsed.payload.order_no == order["order_no"]
    assert parsed.causation_id == str(event.event_id)

    rows = await requests_of(app, ref)
    assert [(r.outcome, r.order_no, r.code) for r in rows] == [
        ("created", order["order_no"], None),
        ("repeated", order["order_no"], None),
    ]
    assert rows[0].requested_at == event.occurred_at
    assert await outbox(app, "orders.order_request.rejected") == [] or all(
        e["payload"]["source_ref"] != ref
        for e in await outbox(app, "orders.order_request.rejected")
    )


async def test_requests_the_order_center_cannot_accept_are_recorded_and_answered(
    app: FastAPI, api: Any, finance: Any
) -> None:
    org = api.org_a
    conflict_ref = f"risk-{uuid.uuid4().hex[:12]}"
    cases = {
        "category_not_requestable": request(org, category="merchant_payout", direction="payable",
                                            counterparty={"kind": "org", "id": "m", "name": "商户"}),
        "direction_not_allowed": request(org, direction="payable",
                                         counterparty={"kind": "person", "id": "u", "name": "张三"}),
        "extension_invalid": request(org, source="valueadd", category="value_added_redemption",
                                     extension={"merchant": {"id": "m"}}),
    }  # fmt: skip
    # A category without extension data carries none.
    no_extension = request(org, extension={"car_model": "x"})
    # A request under another service's event type (only possible by bypassing new_event).
    mismatched = request(org, source="valueadd", category="plate_purchase")
    cases["source_service_mismatch"] = mismatched.model_copy(
        update={"event_type": "risk.order_request.submitted"}
    )
    first = request(org, ref=conflict_ref, amount="10.00")
    conflicting = request(org, ref=conflict_ref, amount="10.01")

    await finance.deliver(first, *cases.values(), no_extension, conflicting)

    refs = [e.payload.source_ref for e in (*cases.values(), no_extension)]
    assert set(await orders_of(app, [*refs, conflict_ref])) == {conflict_ref}
    cases_and_codes = [*cases.items(), ("extension_invalid", no_extension)]
    for code, event in cases_and_codes:
        [row] = await requests_of(app, event.payload.source_ref)
        assert (row.outcome, row.code, row.order_id) == ("rejected", code, None), row.reason
        assert row.reason and row.requested_by == event.payload.requested_by
    made, clash = await requests_of(app, conflict_ref)
    assert (made.outcome, clash.outcome, clash.code) == ("created", "conflict", "source_ref_reused")
    assert clash.order_no == made.order_no  # the first order stands
    kept = (await orders_of(app, [conflict_ref]))[conflict_ref]
    assert kept.amount_fen == 1000

    answers = {
        e["payload"]["source_ref"]: e for e in await outbox(app, "orders.order_request.rejected")
    }
    for code, event in [*cases_and_codes, ("source_ref_reused", conflicting)]:
        answer = parse(json.dumps(answers[event.payload.source_ref]))
        assert isinstance(answer.payload, OrderRequestRejectedV1)
        assert (answer.payload.code, answer.payload.source_service) == (
            code,
            event.payload.source_service,
        )
        assert answer.causation_id == str(event.event_id)
        assert answer.aggregate_id == event.payload.source_ref
    assert "extension.merchant.name" in answers[cases["extension_invalid"].payload.source_ref][
        "payload"]["reason"]  # fmt: skip
    assert made.order_no in answers[conflict_ref]["payload"]["reason"]

    # Rejected for a business reason: handled, not dead-lettered (the inbox recorded them).
    async with app.state.sessionmaker() as session:
        handled = await session.execute(
            select(func.count())
            .select_from(OrderRequest)
            .where(OrderRequest.event_id.in_([e.event_id for e in cases.values()]))
        )
        assert handled.scalar_one() == len(cases)


async def test_a_rejected_reference_may_be_asked_again_with_a_fixed_request(
    app: FastAPI, api: Any, finance: Any
) -> None:
    ref = f"valueadd-{uuid.uuid4().hex[:12]}"
    bad = request(api.org_a, source="valueadd", ref=ref, category="value_added_settlement",
                  direction="payable", counterparty={"kind": "org", "id": "i", "name": "保司"})  # fmt: skip
    good = request(api.org_a, source="valueadd", ref=ref, category="value_added_settlement")
    await finance.deliver(bad)
    await finance.deliver(good)
    assert [r.outcome for r in await requests_of(app, ref)] == ["rejected", "created"]
    assert (await orders_of(app, [ref]))[ref].direction == "receivable"


async def test_the_request_list_is_scoped_to_the_callers_institution(
    app: FastAPI, api: Any, finance: Any, client: httpx.AsyncClient
) -> None:
    source = f"batch-{uuid.uuid4().hex[:6]}"
    a = request(api.org_a, ref=f"{source}-a", category="plate_purchase")
    b = request(api.org_b, ref=f"{source}-b", category="plate_purchase")
    ok = request(api.org_a, ref=f"{source}-ok")
    await finance.deliver(a, b, ok)

    async def listed(headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
        response = await client.get(
            "/v1/orders/order-requests",
            params={"source_service": "risk", **params},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return [r for r in response.json()["items"] if r["source_ref"].startswith(source)]

    seen_a = await listed(api.headers(api.org_a), status="rejected")
    assert [(r["source_ref"], r["code"], r["amount"]) for r in seen_a] == [
        (f"{source}-a", "category_not_requestable", "100.00")
    ]
    assert seen_a[0]["requested_by"] == "risk-user-1"
    seen_b = await listed(api.headers(api.org_b, subject="clerk-b"), status="rejected")
    assert [r["source_ref"] for r in seen_b] == [f"{source}-b"]
    everyone = await listed(api.headers(api.org_a, operator=True), status="rejected")
    assert {r["source_ref"] for r in everyone} == {f"{source}-a", f"{source}-b"}
    all_a = await listed(api.headers(api.org_a))
    assert {r["status"] for r in all_a} == {"rejected", "created"}
    created = next(r for r in all_a if r["status"] == "created")
    assert created["order_no"] and created["code"] is None
    # B's rows reach A through no filter.
    assert await listed(api.headers(api.org_a), source_ref=f"{source}-b") == []

    for params, field in (({"status": "lost"}, "query.status"), ({"limit": "0"}, "query.limit")):
        response = await client.get(
            "/v1/orders/order-requests", params=params, headers=api.headers(api.org_a)
        )
        assert response.status_code == 422
        assert field in response.text
    denied = await client.get(
        "/v1/orders/order-requests",
        headers=api.headers(api.org_a, functions=["orders.order.create"]),
    )
    assert denied.status_code == 403


async def test_request_pages_follow_the_cursor(
    app: FastAPI, api: Any, finance: Any, client: httpx.AsyncClient
) -> None:
    org = uuid.uuid4()  # an institution of its own: only this test's rows
    await finance.deliver(*(request(org, category="plate_call_fee") for _ in range(5)))
    headers = api.headers(org)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"status": "rejected", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/v1/orders/order-requests", params=params, headers=headers)
        ).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


# Requests drawn from a few references, each with one of a few amounts: repeats with the same
# content, repeats with other content, redeliveries, delivered in batches of any size.
requests_strategy = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(["0.01", "100.00", "12345.67"]), st.booleans()),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=requests_strategy, chunks=st.lists(st.integers(1, 6), min_size=1, max_size=5))
async def test_orders_made_are_the_distinct_references_with_their_first_amounts(
    app: FastAPI, api: Any, finance: Any, sequence: list[tuple[int, str, bool]], chunks: list[int]
) -> None:
    run = uuid.uuid4().hex[:10]
    stream = []
    for n, amount, redelivered in sequence:
        event = request(api.org_a, ref=f"{run}-{n}", amount=amount)
        stream.append(event)
        if redelivered:
            stream.append(event)
    start, c = 0, 0
    while start < len(stream):
        size = chunks[c % len(chunks)]
        await finance.deliver(*stream[start : start + size])
        start, c = start + size, c + 1

    first: dict[str, str] = {}
    for n, amount, _ in sequence:
        first.setdefault(f"{run}-{n}", amount)
    orders = await orders_of(app, list(first))
    assert set(orders) == set(first)
    assert {ref: o.amount_fen for ref, o in orders.items()} == {
        ref: Money(amount=Decimal(a)).fen for ref, a in first.items()
    }
    # Every request is recorded once (redeliveries are dropped by the inbox) and a repeat is
    # `repeated` exactly when its amount is the first one's.
    for ref, amount in first.items():
        asked = [a for n, a, _ in sequence if f"{run}-{n}" == ref]
        rows = await requests_of(app, ref)
        assert [r.outcome for r in rows] == ["created"] + [
            "repeated" if a == amount else "conflict" for a in asked[1:]
        ]
        assert {r.order_id for r in rows} == {orders[ref].id}
