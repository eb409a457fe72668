"""核销 through the API: the checks, exactly-once under concurrency, the order request, scoping."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from servicekit.db import unit_of_work


async def _coupon(client: httpx.AsyncClient, world: Any, **holder: Any) -> str:
    made = await client.post(
        "/v1/batches",
        json={"product_id": world.product["id"], "quantity": 1,
              "holders": [{"customer_ref": "R-1", **holder}]},
        headers=world.operator.headers,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    page = await client.get(
        "/v1/coupons", params={"batch_id": made.json()["id"]}, headers=world.operator.headers
    )
    return str(page.json()["items"][0]["code"])


async def test_redeem_once_records_it_and_asks_for_the_order(
    client: httpx.AsyncClient, world: Any, app: Any, order_center: Any
) -> None:
    code = await _coupon(client, world)
    answer = await client.post(
        "/v1/redemptions",
        json={"code": code, "car_model": "比亚迪 秦PLUS"},
        headers=world.staff.headers,
    )
    assert answer.status_code == 201, answer.text
    r = answer.json()
    assert r["redemption_no"] == "HX" + code.replace("-", "")
    assert (r["store_name"], r["staff_name"], r["settlement_price"]) == (
        "徐汇店",
        "店员小王",
        "28.50",
    )
    coupon = (await client.get(f"/v1/coupons/{code}", headers=world.operator.headers)).json()
    assert coupon["status"] == "redeemed" and coupon["redeemed_at"] == r["redeemed_at"]
    assert coupon["trail"][-1]["by"] == world.staff.subject
    async for session in unit_of_work(app.state.sessionmaker):
        body = await session.scalar(
            text("SELECT body FROM outbox_messages WHERE message_key = :k"),
            {"k": f"redemption:{r['redemption_no']}"},
        )
    payload = json.loads(body)["payload"]
    assert payload["category"] == "value_added_redemption" and payload["direction"] == "payable"
    assert payload["amount"]["amount"] == "28.50"
    assert payload["customer_org_id"] == world.merchant["org_id"]
    assert payload["extension"]["location"] == {"province_code": "310000", "city_code": "310100",
                                                "text": "上海市徐汇区漕溪北路1号"}  # fmt: skip
    assert payload["extension"]["product"] == {"id": world.product["code"], "name": "标准洗车券"}
    assert payload["extension"]["car_model"] == "比亚迪 秦PLUS"
    ref = f"redemption:{r['redemption_no']}"
    assert await order_center(ref) == {ref: None}
    assert payload["extension"]["coupon_used_at"].startswith("2026-11-20T02:00:00")
    again = await client.post("/v1/redemptions", json={"code": code}, headers=world.staff.headers)
    assert again.status_code == 409 and again.json()["code"] == "coupon_already_redeemed"


async def test_64_concurrent_redemptions_of_one_coupon_one_wins(
    client: httpx.AsyncClient, world: Any, app: Any
) -> None:
    code = await _coupon(client, world)

    async def redeem() -> httpx.Response:
        return await client.post(
            "/v1/redemptions", json={"code": code}, headers=world.staff.headers
        )

    answers = await asyncio.gather(*(redeem() for _ in range(64)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 63, {a.status_code: a.text for a in answers}
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {
        "coupon_already_redeemed"
    }
    async for session in unit_of_work(app.state.sessionmaker):
        rows = await session.scalar(
            text("SELECT count(*) FROM va_redemptions WHERE coupon_code = :c"),
            {"c": code.replace("-", "")},
        )
        requests = await session.scalar(
            text("SELECT count(*) FROM va_order_links WHERE source_ref = :r"),
            {"r": "redemption:HX" + code.replace("-", "")},
        )
    assert (rows, requests) == (1, 1)


async def test_idempotency_key_returns_the_first_answer(
    client: httpx.AsyncClient, world: Any
) -> None:
    code = await _coupon(client, world)
    key = {"Idempotency-Key": f"scan-{uuid.uuid4().hex}"}
    first, second = await asyncio.gather(
        client.post("/v1/redemptions", json={"code": code}, headers={**world.staff.headers, **key}),
        client.post("/v1/redemptions", json={"code": code}, headers={**world.staff.headers, **key}),
    )
    assert sorted((first.status_code, second.status_code)) == [200, 201], (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    other = await _coupon(client, world)
    reused = await client.post(
        "/v1/redemptions", json={"code": other}, headers={**world.staff.headers, **key}
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


async def test_each_check_answers_with_its_code(
    client: httpx.AsyncClient, world: Any, new_world: Any, clock: Any, caller: Any
) -> None:
    staff = world.staff.headers
    # Not a code, no such coupon.
    bad = await client.post("/v1/redemptions", json={"code": "12"}, headers=staff)
    assert (bad.status_code, bad.json()["code"], bad.json()["errors"][0]["field"]) == (
        422, "coupon_code_invalid", "body.code")  # fmt: skip
    unknown = await client.post("/v1/redemptions", json={"code": "0000-0000-0000"}, headers=staff)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "coupon_not_found")
    # Another merchant's product: this merchant has no price for it.
    elsewhere = await new_world()
    foreign = await _coupon(client, elsewhere)
    answer = await client.post("/v1/redemptions", json={"code": foreign}, headers=staff)
    assert (answer.status_code, answer.json()["code"]) == (422, "product_not_redeemable_here")
    # Wrong region: a Guangdong-only product at a Shanghai store.
    gd = await new_world(region="440000")
    gd_code = await _coupon(client, gd)
    answer = await client.post("/v1/redemptions", json={"code": gd_code}, headers=gd.staff.headers)
    assert (answer.status_code, answer.json()["code"]) == (422, "region_not_allowed")
    # Car-model rule.
    cars = await new_world(product={"car_models": ["比亚迪 汉"]})
    car_code = await _coupon(client, cars)
    answer = await client.post("/v1/redemptions", json={"code": car_code, "car_model": "大众 朗逸"},
                               headers=cars.staff.headers)  # fmt: skip
    assert (answer.status_code, answer.json()["code"]) == (422, "car_model_not_allowed")
    # Expired: 30 days from 2026-11-20 end on 2026-12-19 (Shanghai).
    code = await _coupon(client, world)
    clock.advance(days=30)
    answer = await client.post("/v1/redemptions", json={"code": code}, headers=staff)
    assert (answer.status_code, answer.json()["code"]) == (422, "coupon_expired")
    clock.advance(days=-1)
    assert (
        await client.post("/v1/redemptions", json={"code": code}, headers=staff)
    ).status_code == 201
    # Voided.
    voided = await _coupon(client, world)
    await client.post(
        f"/v1/coupons/{voided}/void", json={"reason": "测试"}, headers=world.operator.headers
    )
    answer = await client.post("/v1/redemptions", json={"code": voided}, headers=staff)
    assert (answer.status_code, answer.json()["code"]) == (409, "coupon_voided")
    # Someone who is not staff, and staff of another institution's token.
    outsider = caller()
    answer = await client.post("/v1/redemptions", json={"code": code}, headers=outsider.headers)
    assert (answer.status_code, answer.json()["code"]) == (403, "not_merchant_staff")
    # Nothing of the failed attempts was written.
    page = await client.get("/v1/redemptions", headers=world.merchant_admin.headers)
    assert page.json()["total"] == 1


async def test_merchant_a_never_sees_merchant_b_redemptions(
    client: httpx.AsyncClient, world: Any, new_world: Any
) -> None:
    other = await new_world()
    for w in (world, other):
        code = await _coupon(client, w)
        assert (
            await client.post("/v1/redemptions", json={"code": code}, headers=w.staff.headers)
        ).status_code == 201
    mine = (await client.get("/v1/redemptions", headers=world.merchant_admin.headers)).json()
    assert mine["total"] == 1 and mine["items"][0]["merchant_id"] == world.merchant["id"]
    theirs_id = (await client.get("/v1/redemptions", headers=other.merchant_admin.headers)).json()[
        "items"
    ][0]["id"]
    assert (
        await client.get(f"/v1/redemptions/{theirs_id}", headers=world.merchant_admin.headers)
    ).status_code == 404
    filtered = await client.get("/v1/redemptions", params={"merchant_id": other.merchant["id"]},
                                headers=world.merchant_admin.headers)  # fmt: skip
    assert filtered.json()["total"] == 0
    stats = (await client.get("/v1/redemptions/stats", params={"by": "merchant"},
                              headers=world.merchant_admin.headers)).json()  # fmt: skip
    assert [s["key"] for s in stats] == [world.merchant["id"]]
    hours = (await client.get("/v1/redemptions/stats", params={"by": "hour"},
                              headers=world.merchant_admin.headers)).json()  # fmt: skip
    assert [h["count"] for h in hours if h["count"]] == [1]
    assert next(h for h in hours if h["count"])["label"] == "10:00"  # Shanghai time of the clock


async def test_check_shows_the_coupon_and_writes_nothing(
    client: httpx.AsyncClient, world: Any, new_world: Any
) -> None:
    code = await _coupon(client, world, name="张三丰", plate_no="沪A12345")
    staff = world.staff.headers
    checked = await client.post(
        "/v1/redemptions/check", json={"code": code.lower().replace("-", " ")}, headers=staff
    )
    assert checked.status_code == 200, checked.text
    c = checked.json()
    assert (c["coupon_code"], c["product_name"], c["holder_name"], c["plate_no"]) == (
        code, "标准洗车券", "张**", "沪A12345")  # fmt: skip
    assert (c["store_name"], c["settlement_price"], c["face_value"]) == ("徐汇店", "28.50", "50.00")
    coupon = (await client.get(f"/v1/coupons/{code}", headers=world.operator.headers)).json()
    assert coupon["status"] == "issued"
    # The same codes as the redemption itself.
    foreign = await _coupon(client, await new_world())
    answer = await client.post("/v1/redemptions/check", json={"code": foreign}, headers=staff)
    assert (answer.status_code, answer.json()["code"]) == (422, "product_not_redeemable_here")
    assert (
        await client.post("/v1/redemptions", json={"code": code}, headers=staff)
    ).status_code == 201
    again = await client.post("/v1/redemptions/check", json={"code": code}, headers=staff)
    assert (again.status_code, again.json()["code"]) == (409, "coupon_already_redeemed")
