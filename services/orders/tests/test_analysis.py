"""Analysis: numbers checked against hand-computed expectations, within the caller's scope.

Each test uses an institution of its own: the database is shared by the whole run."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from sqlalchemy import update

from orders.order.models import Order

ANALYST = ("orders.analysis.query",)


async def _get(api: Any, path: str, org: uuid.UUID, **params: Any) -> dict[str, Any]:
    response = await api.client.get(
        f"/v1/orders/analysis/{path}", params=params, headers=api.headers(org, ANALYST)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@time_machine.travel(datetime(2026, 11, 20, 4, tzinfo=UTC), tick=True)  # orders of 2026-11
async def test_totals_by_period_category_status_and_institution(api: Any) -> None:
    org = uuid.uuid4()
    for amount in ("0.01", "0.02"):
        await api.create(org, amount=amount)
    cancelled = await api.create(org, amount="100.10")
    assert (await api.move(cancelled["id"], "cancelled", org)).status_code == 200
    await api.create(org, category="technical_service", amount="5.55")

    month = "2026-11"
    totals = await _get(api, "totals", org, period="month")
    assert [
        (r["period"], r["category"], r["status"], r["customer_org_id"], r["count"], r["amount"])
        for r in totals["rows"]
    ] == [
        (month, "risk_assessment", "cancelled", str(org), 1, "100.10"),
        (month, "risk_assessment", "created", str(org), 2, "0.03"),
        (month, "technical_service", "created", str(org), 1, "5.55"),
    ]
    assert (totals["count"], totals["amount"]) == (4, "105.68")

    day = await _get(api, "totals", org, period="day", category="technical_service")
    assert [(r["period"][:7], r["amount"]) for r in day["rows"]] == [(month, "5.55")]
    assert len(day["rows"][0]["period"]) == 10

    trend = await _get(api, "totals", org, period="month", by=["period", "category"])
    assert trend["by"] == ["period", "category"]
    assert [(r["period"], r["category"], r["status"], r["customer_org_id"], r["count"],
             r["amount"]) for r in trend["rows"]] == [
        (month, "risk_assessment", None, None, 3, "100.13"),
        (month, "technical_service", None, None, 1, "5.55"),
    ]  # fmt: skip
    per_status = await _get(api, "totals", org, by="status")
    assert [(r["status"], r["count"], r["amount"]) for r in per_status["rows"]] == [
        ("cancelled", 1, "100.10"), ("created", 3, "5.58"),
    ]  # fmt: skip
    bad = await api.client.get(
        "/v1/orders/analysis/totals", params={"by": "colour"}, headers=api.headers(org, ANALYST)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("query.by")

    # Whole months come from the monthly summary, a cut month from the orders: the same.
    summary = await _get(api, "totals", org, by="status", created_from="2000-01-01")
    scanned = await _get(api, "totals", org, by="status", created_from="2000-01-02")
    assert summary["rows"] == scanned["rows"] == per_status["rows"]

    # Another institution asking about this one sees nothing.
    other = await _get(api, "totals", uuid.uuid4(), customer_org_id=str(org))
    assert (other["rows"], other["count"], other["amount"]) == ([], 0, "0.00")


async def test_cycle_times_from_the_first_milestones(api: Any, db: Any) -> None:
    """Arranged on the order's first-milestone columns (what every step keeps; the walk that
    sets them is tested in test_first_milestones_are_kept_by_the_steps)."""
    org = uuid.uuid4()
    orders = [await api.create(org) for _ in range(3)]
    t0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    invoiced = [
        (timedelta(hours=1), "fin-a"),
        (timedelta(hours=2), "fin-a"),
        (timedelta(hours=4), "fin-b"),
    ]
    settled = [timedelta(days=1), timedelta(days=3), None]
    async with db.sessionmaker() as session, session.begin():
        for order, (to_invoice, invoicer), to_settle in zip(orders, invoiced, settled, strict=True):
            await session.execute(
                update(Order)
                .where(Order.id == uuid.UUID(order["id"]))
                .values(
                    created_at=t0,
                    first_invoiced_at=t0 + to_invoice,
                    first_invoiced_by=invoicer,
                    first_settled_at=None if to_settle is None else t0 + to_invoice + to_settle,
                    first_settled_by=None if to_settle is None else "cashier",
                )
            )

    result = await _get(api, "cycle-times", org)
    steps = {(s["start"], s["end"]): s for s in result["steps"]}
    first = steps[("created", "invoiced")]
    assert (first["count"], first["p50_seconds"], first["p90_seconds"]) == (3, 7200, 14400)
    assert first["operators"] == [{"by": "fin-a", "count": 2}, {"by": "fin-b", "count": 1}]
    second = steps[("invoiced", "settled")]
    assert (second["count"], second["p50_seconds"], second["p90_seconds"]) == (2, 86400, 259200)
    assert second["operators"] == [{"by": "cashier", "count": 2}]
    whole = steps[("created", "settled")]
    assert (whole["count"], whole["p50_seconds"], whole["p90_seconds"]) == (2, 90000, 266400)
    assert result["creators"] == [{"by": "clerk-a", "count": 3}]


def _redemption(used_at: str, car: str, city: str, merchant: str, product: str) -> dict[str, Any]:
    return {
        "coupon_used_at": used_at,
        "car_model": car,
        "location": {"province_code": city[:2] + "0000", "city_code": city},
        "merchant": {"id": merchant, "name": merchant.upper()},
        "product": {"id": product, "name": product.upper()},
    }


async def test_value_added_usage_and_review_scores(api: Any) -> None:
    org = uuid.uuid4()
    specs = [
        ("10.00", _redemption("2026-11-20T10:15:00+08:00", "A", "440300", "m1", "p1"), (5, 4)),
        ("20.01", _redemption("2026-11-20T02:30:00Z", "A", "110100", "m2", "p1"), (3,)),
        ("0.99", _redemption("2026-11-22T23:00:00+08:00", "B", "440300", "m1", "p2"), (2,)),
    ]
    for amount, extension, ratings in specs:
        order = await api.create(
            org, category="value_added_redemption", amount=amount, extension=extension
        )
        for rating in ratings:
            response = await api.client.post(
                f"/v1/orders/{order['id']}/reviews",
                json={"rating": rating},
                headers=api.headers(org),
            )
            assert response.status_code == 201, response.text
    await api.create(org, amount="7.00")  # not a redemption: not in the usage

    usage = await _get(api, "value-added-usage", org)

    def rows(name: str) -> list[tuple[str, int, str]]:
        return [(r["key"], r["count"], r["amount"]) for r in usage[name]]

    assert rows("by_car_model") == [("A", 2, "30.01"), ("B", 1, "0.99")]
    assert rows("by_city") == [("440300", 2, "10.99"), ("110100", 1, "20.01")]
    assert rows("by_hour") == [("10", 2, "30.01"), ("23", 1, "0.99")]
    assert rows("by_weekday") == [("5", 2, "30.01"), ("7", 1, "0.99")]  # Friday, Sunday

    products = await _get(api, "reviews", org, by="product")
    assert [(i["id"], i["count"], i["average"]) for i in products["items"]] == [
        ("p1", 3, "4.00"),
        ("p2", 1, "2.00"),
    ]
    merchants = await _get(api, "reviews", org, by="merchant")
    assert [(i["id"], i["name"], i["count"], i["average"]) for i in merchants["items"]] == [
        ("m1", "M1", 3, "3.67"),
        ("m2", "M2", 1, "3.00"),
    ]


async def test_analysis_needs_its_function(api: Any) -> None:
    response = await api.client.get(
        "/v1/orders/analysis/totals", headers=api.headers(api.org_a, ("orders.order.query",))
    )
    assert response.status_code == 403
