"""The complete order: counterparty, selling entity, lines and tax rates (exact money),
extension data per category, reviews — and bad input answered with the field's name."""

from __future__ import annotations

import json
from typing import Any

import pytest

REDEMPTION = {
    "coupon_used_at": "2026-11-20T10:30:00+08:00",
    "car_model": "比亚迪 秦PLUS",
    "location": {"province_code": "440000", "city_code": "440300", "text": "深圳市南山区"},
    "merchant": {"id": "m-88", "name": "车享洗车南山店"},
    "product": {"id": "wash-std", "name": "标准洗车券"},
}


async def test_a_complete_order_round_trips(api: Any, client: Any) -> None:
    created = await api.create(
        category="value_added_redemption",
        direction="payable",
        amount=None,
        counterparty={"name": "车享洗车南山店", "id": "m-88"},
        seller="technology_company",
        tax_rate="0.06",
        lines=[
            {"description": "洗车券核销", "quantity": "2", "unit_price": "25.00"},
            # 1.5 × 3.33 = 4.995 → 5.00 (half up), at its own rate
            {"description": "上门服务费", "quantity": "1.5", "unit_price": "3.33", "tax_rate": "0"},
        ],
        extension=REDEMPTION,
    )
    assert created["amount"] == "55.00"
    assert created["counterparty"] == {"name": "车享洗车南山店", "id": "m-88"}
    assert (created["seller"], created["tax_rate"]) == ("technology_company", "0.06")
    assert [
        (li["line_no"], li["quantity"], li["unit_price"], li["tax_rate"], li["amount"])
        for li in created["lines"]
    ] == [(1, "2", "25.00", "0.06", "50.00"), (2, "1.5", "3.33", "0", "5.00")]
    assert created["extension"]["coupon_used_at"] == "2026-11-20T02:30:00Z"
    assert created["extension"]["location"]["city_code"] == "440300"
    assert (created["invoiced_amount"], created["settled_amount"]) == ("0.00", "0.00")
    assert created["next_statuses"] == ["reconciled", "cancelled"]
    fetched = await api.get(created["id"])
    assert {k: v for k, v in fetched.items()} == created


async def test_the_first_slice_body_still_creates_an_order(api: Any, client: Any) -> None:
    # Exactly what partner systems and the end-to-end suite post.
    body = {
        "category": "risk_assessment",
        "direction": "receivable",
        "customer_org_id": str(api.org_a),
        "amount": "1280.50",
        "source_service": "e2e",
        "source_ref": "e2e-first-slice-body",
    }
    first = await client.post("/v1/orders", json=body, headers=api.headers())
    assert first.status_code in (200, 201), first.text  # 200 on the second database run
    order = first.json()
    assert (order["amount"], order["lines"], order["extension"], order["seller"]) == (
        "1280.50",
        [],
        None,
        None,
    )
    again = await client.post("/v1/orders", json=body, headers=api.headers())
    assert (again.status_code, again.json()["id"]) == (200, order["id"])


async def test_many_small_lines_add_up_exactly(api: Any) -> None:
    # 1000 × 0.10 is 99.9999…9 in floats; 333 × 3 × 0.07 adds the odd cents.
    lines = [
        {"description": f"拨打 {i}", "quantity": "1", "unit_price": "0.10"} for i in range(667)
    ]
    lines += [{"description": "套餐", "quantity": "3", "unit_price": "0.07"} for _ in range(333)]
    order = await api.create(category="plate_call_fee", amount="136.63", lines=lines)
    assert order["amount"] == "136.63"
    assert len(order["lines"]) == 1000
    assert sum(int(li["amount"].replace(".", "")) for li in order["lines"]) == 13663


BAD_INPUT = [
    ({"extension": REDEMPTION}, "body.extension", "carry no extension"),
    (
        {"category": "value_added_redemption", "extension": {**REDEMPTION, "vin": "LSV..."}},
        "body.extension.vin",
        "Extra inputs",
    ),
    (
        {
            "category": "value_added_redemption",
            "extension": {**REDEMPTION, "coupon_used_at": "2026-11-20T10:30:00"},
        },
        "body.extension.coupon_used_at",
        "timezone",
    ),
    (
        {
            "category": "value_added_redemption",
            "extension": {
                **REDEMPTION,
                "location": {"province_code": "440000", "city_code": "310100"},
            },
        },
        "body.extension.location.city_code",
        "not in province",
    ),
    (
        {
            "amount": "60.00",
            "lines": [{"description": "x", "quantity": "2", "unit_price": "25.00"}],
        },
        "body.amount",
        "add up to 50.00",
    ),
    (
        {
            "amount": None,
            "lines": [
                {"description": "x", "quantity": "2", "unit_price": "25.00", "amount": "49.99"}
            ],
        },
        "body.lines.0.amount",
        "is 50.00",
    ),
    ({"amount": "-5.00"}, "body.amount", "negative"),
    ({"amount": "0.00"}, "body.amount", "positive"),
    ({"amount": "1.005"}, "body.amount", "two decimal places"),
    ({"amount": None}, "body.amount", "give the amount"),
    ({"tax_rate": "1.2"}, "body.tax_rate", "less than 1"),
    (
        {
            "amount": None,
            "lines": [{"description": "x", "quantity": "1.2345", "unit_price": "1.00"}],
        },
        "body.lines.0.quantity",
        "decimal places",
    ),
    ({"seller": "insurer"}, "body.seller", "agency_company"),
    ({"counterparty": {"id": "m-1"}}, "body.counterparty.name", "required"),
    ({"lines": []}, "body.lines", "at least 1"),
]


@pytest.mark.parametrize(("overrides", "field", "says"), BAD_INPUT, ids=[b[1] for b in BAD_INPUT])
async def test_bad_input_names_the_field(
    overrides: dict[str, Any], field: str, says: str, api: Any, client: Any
) -> None:
    body = {k: v for k, v in api.body(**overrides).items() if v is not None}
    response = await client.post("/v1/orders", json=body, headers=api.headers())
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert says in problem["errors"][0]["message"]
    listed = await client.get(
        "/v1/orders", params={"source_service": "risk"}, headers=api.headers()
    )
    assert body["source_ref"] not in {o["source_ref"] for o in listed.json()["items"]}


async def test_a_float_tax_rate_or_quantity_is_refused(api: Any, client: Any) -> None:
    body = api.body(
        amount=None,
        tax_rate=0.06,
        lines=[{"description": "x", "quantity": 1.5, "unit_price": "1.00"}],
    )
    response = await client.post(
        "/v1/orders",
        content=json.dumps(body),
        headers={**api.headers(), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "body.lines.0.quantity",
        "body.tax_rate",
    ]


async def test_reviews_are_recorded_and_validated(api: Any, client: Any) -> None:
    order = await api.create(category="value_added_redemption", extension=REDEMPTION)
    url = f"/v1/orders/{order['id']}/reviews"
    review = await client.post(
        url,
        json={"rating": 4, "text": "很干净", "tags": ["快", "干净", "快"], "reviewer": "wx-u-1"},
        headers=api.headers(),
    )
    assert review.status_code == 201, review.text
    body = review.json()
    assert (body["rating"], body["tags"], body["recorded_by"]) == (4, ["快", "干净"], "clerk-a")
    assert (await api.get(order["id"]))["reviews"] == [body]

    for bad, field in (
        ({"rating": 6}, "body.rating"),
        ({"rating": 0}, "body.rating"),
        ({"rating": 5, "tags": ["x" * 33]}, "body.tags.0"),
        ({"rating": 5, "stars": 5}, "body.stars"),
    ):
        refused = await client.post(url, json=bad, headers=api.headers())
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    no_function = api.headers(functions=["orders.order.query"])
    denied = await client.post(url, json={"rating": 5}, headers=no_function)
    assert (denied.status_code, denied.json()["code"]) == (403, "function_not_granted")
    assert len((await api.get(order["id"]))["reviews"]) == 1
