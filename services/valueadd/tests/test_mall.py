"""商城 through the API: SPU → SKU in fen, stock never negative under concurrent orders, the
channel's payment result recorded once, the paid order's value-added order, scoping, bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from servicekit.db import unit_of_work


async def _product(client: httpx.AsyncClient, admin: Any, stock: int = 10) -> dict[str, Any]:
    code = f"WASH-{uuid.uuid4().hex[:6].upper()}"
    made = await client.post(
        "/v1/mall/products",
        json={"code": code, "name": "精致洗车套餐", "service": "wash", "skus": [
            {"sku_code": f"{code}-5", "name": "5 次卡", "price": "199.90",
             "market_price": "250.00", "cost": "120.05", "stock": stock}]},
        headers=admin.headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _order(
    client: httpx.AsyncClient, who: Any, sku_id: str, quantity: int = 1
) -> httpx.Response:
    return await client.post(
        "/v1/mall/orders",
        json={"sku_id": sku_id, "quantity": quantity, "buyer_ref": "C-100", "buyer_name": "李四"},
        headers=who.headers,
    )


async def test_product_with_skus_keeps_money_exact(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    admin = caller()
    p = await _product(client, admin)
    sku = p["skus"][0]
    assert (sku["price"], sku["market_price"], sku["cost"], sku["stock"]) == (
        "199.90",
        "250.00",
        "120.05",
        10,
    )
    order = await _order(client, admin, sku["id"], 3)
    assert order.status_code == 201, order.text
    o = order.json()
    assert (o["amount"], o["unit_price"], o["status"]) == ("599.70", "199.90", "pending_payment")
    assert o["order_no"].startswith("SC20261120")


async def test_stock_never_negative_under_concurrent_orders(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any
) -> None:
    admin = caller()
    sku = (await _product(client, admin, stock=5))["skus"][0]
    answers = await asyncio.gather(*(_order(client, admin, sku["id"], 2) for _ in range(16)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 201] + [409] * 14, {a.status_code: a.text for a in answers}
    assert all(a.json()["code"] == "out_of_stock" for a in answers if a.status_code == 409)
    product = (await client.get("/v1/mall/products", headers=admin.headers)).json()[0]
    assert product["skus"][0]["stock"] == 1
    one = await _order(client, admin, sku["id"], 1)
    assert one.status_code == 201
    none = await _order(client, admin, sku["id"], 1)
    assert (none.status_code, none.json()["errors"][0]["field"]) == (409, "body.quantity")
    async for session in unit_of_work(app.state.sessionmaker):
        stock = await session.scalar(text("SELECT stock FROM va_mall_skus WHERE sku_code = :c"),
                                     {"c": sku["sku_code"]})  # fmt: skip
    assert stock == 0


async def test_payment_recorded_once_and_asks_for_the_order(
    client: httpx.AsyncClient, caller: Any, clock: Any, app: Any, order_center: Any
) -> None:
    admin = caller()
    sku = (await _product(client, admin))["skus"][0]
    order = (await _order(client, admin, sku["id"], 2)).json()
    pay = {
        "channel": "wechat_pay",
        "transaction_no": "WX4200001",
        "result": "success",
        "amount": "399.80",
    }
    wrong = await client.post(f"/v1/mall/orders/{order['id']}/payment",
                              json={**pay, "amount": "399.00"}, headers=admin.headers)  # fmt: skip
    assert (wrong.status_code, wrong.json()["code"]) == (422, "payment_amount_mismatch")
    assert wrong.json()["errors"][0]["field"] == "body.amount"
    first = await client.post(
        f"/v1/mall/orders/{order['id']}/payment", json=pay, headers=admin.headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "paid"
    again = await asyncio.gather(*(
        client.post(f"/v1/mall/orders/{order['id']}/payment", json=pay, headers=admin.headers)
        for _ in range(4)))  # fmt: skip
    assert [a.status_code for a in again] == [200] * 4
    failed = await client.post(f"/v1/mall/orders/{order['id']}/payment",
                               json={**pay, "transaction_no": "WX4200002", "result": "failed"},
                               headers=admin.headers)  # fmt: skip
    assert (failed.status_code, failed.json()["code"]) == (409, "payment_already_recorded")
    async for session in unit_of_work(app.state.sessionmaker):
        bodies = (await session.scalars(
            text("SELECT body FROM outbox_messages WHERE message_key = :k"),
            {"k": f"mall-order:{order['order_no']}"})).all()  # fmt: skip
    assert len(bodies) == 1
    payload = json.loads(bodies[0])["payload"]
    assert (payload["category"], payload["direction"]) == ("value_added_redemption", "receivable")
    assert payload["amount"]["amount"] == "399.80"
    assert payload["source_no"] == order["order_no"]
    # A sale is not a use: no extension data (orders' value-added extension describes a
    # coupon used at a merchant), so the order center takes the request as it is.
    assert payload["extension"] is None
    ref = f"mall-order:{order['order_no']}"
    assert await order_center(ref) == {ref: None}


async def test_failed_payment_releases_the_stock(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    admin = caller()
    sku = (await _product(client, admin, stock=2))["skus"][0]
    order = (await _order(client, admin, sku["id"], 2)).json()
    pay = {"channel": "alipay", "transaction_no": "ALI-1", "result": "failed", "amount": "399.80"}
    answer = await client.post(
        f"/v1/mall/orders/{order['id']}/payment", json=pay, headers=admin.headers
    )
    assert answer.json()["status"] == "payment_failed"
    product = (await client.get("/v1/mall/products", headers=admin.headers)).json()[0]
    assert product["skus"][0]["stock"] == 2


async def test_mall_a_never_sees_mall_b(client: httpx.AsyncClient, caller: Any, clock: Any) -> None:
    a, b = caller(), caller()
    pa = await _product(client, a)
    order = (await _order(client, a, pa["skus"][0]["id"])).json()
    assert (await client.get("/v1/mall/products", headers=b.headers)).json() == []
    assert (await client.get("/v1/mall/orders", headers=b.headers)).json()["total"] == 0
    assert (
        await client.get(f"/v1/mall/orders/{order['id']}", headers=b.headers)
    ).status_code == 404
    foreign = await _order(client, b, pa["skus"][0]["id"])
    assert (foreign.status_code, foreign.json()["code"]) == (422, "sku_not_found")
    pay = {"channel": "alipay", "transaction_no": "ALI-9", "result": "success", "amount": "199.90"}
    steal = await client.post(f"/v1/mall/orders/{order['id']}/payment", json=pay, headers=b.headers)
    assert steal.status_code == 404
    assert (await client.get("/v1/mall/orders", headers=a.headers)).json()["total"] == 1


async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, caller: Any, clock: Any
) -> None:
    admin = caller()
    base = {"code": "BAD-1", "name": "坏商品", "service": "wash", "skus": [
        {"sku_code": "BAD-1-A", "name": "A", "price": "1.00", "market_price": "1.00",
         "cost": "0.50", "stock": 1}]}  # fmt: skip
    cases = [
        ({**base, "skus": [{**base["skus"][0], "price": "1.001"}]}, "body.skus.0.price"),
        ({**base, "skus": [{**base["skus"][0], "stock": -1}]}, "body.skus.0.stock"),
        ({**base, "skus": []}, "body.skus"),
        ({**base, "service": "teleport"}, "body.service"),
        ({**base, "skus": [base["skus"][0], base["skus"][0]]}, "body.skus.1.sku_code"),
    ]
    for body, field in cases:
        answer = await client.post("/v1/mall/products", json=body, headers=admin.headers)
        assert 400 <= answer.status_code < 500, answer.text
        assert any(e["field"] == field for e in answer.json()["errors"]), (field, answer.text)
    assert (await client.get("/v1/mall/products", headers=admin.headers)).json() == []
    order = await client.post("/v1/mall/orders", json={"sku_id": str(uuid.uuid4()), "quantity": 0,
                              "buyer_ref": "x"}, headers=admin.headers)  # fmt: skip
    assert order.json()["errors"][0]["field"] == "body.quantity"
