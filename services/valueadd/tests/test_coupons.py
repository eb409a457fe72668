"""Merchants, coupon products, batches and coupons through the API, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from valueadd.coupons import codes


async def test_merchant_profile_with_store_staff_and_prices(
    client: httpx.AsyncClient, world: Any
) -> None:
    got = await client.get(
        f"/v1/merchants/{world.merchant['id']}", headers=world.merchant_admin.headers
    )
    assert got.status_code == 200, got.text
    profile = got.json()
    assert [s["name"] for s in profile["stores"]] == ["徐汇店"]
    assert profile["stores"][0]["latitude"] == "31.188000"
    assert profile["staff"][0]["store_name"] == "徐汇店"
    assert profile["prices"] == [{
        "product_id": world.product["id"], "product_code": world.product["code"],
        "product_name": "标准洗车券", "settlement_price": "28.50",
    }]  # fmt: skip
    mine = await client.get("/v1/merchants/me", headers=world.staff.headers)
    assert mine.json()["id"] == world.merchant["id"]


async def test_merchant_b_never_sees_merchant_a(
    client: httpx.AsyncClient, world: Any, caller: Callable[..., Any]
) -> None:
    other = caller()
    assert (
        await client.get(f"/v1/merchants/{world.merchant['id']}", headers=other.headers)
    ).status_code == 404
    listed = await client.get("/v1/merchants", headers=other.headers)
    assert listed.json() == []
    changed = await client.patch(
        f"/v1/merchants/{world.merchant['id']}", json={"name": "x"}, headers=other.headers
    )
    assert changed.status_code == 404
    # ... and cannot make a profile for A's institution either.
    made = await client.post(
        "/v1/merchants",
        json={"org_id": str(world.merchant["org_id"]), "name": "冒名", "region_code": "310100",
              "services": ["wash"]},
        headers=other.headers,
    )  # fmt: skip
    assert made.status_code == 403


async def test_only_operators_set_settlement_prices(client: httpx.AsyncClient, world: Any) -> None:
    put = await client.put(
        f"/v1/merchants/{world.merchant['id']}/prices/{world.product['id']}",
        json={"settlement_price": "99.00"},
        headers=world.merchant_admin.headers,
    )
    assert put.status_code == 403
    assert put.json()["code"] == "operators_only"


async def test_bad_product_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, operator: Any, clock: Any
) -> None:
    base = {
        "code": "BAD-1", "name": "坏券", "service": "wash", "face_value": "50.00",
        "insurer_price": "45.00", "settlement_price": "30.00", "validity_kind": "fixed",
        "valid_from": "2026-12-01", "valid_to": "2026-12-31",
    }  # fmt: skip
    cases = [
        ({"face_value": 50.5}, "body.face_value"),
        ({"face_value": "50.001"}, "body.face_value"),
        ({"insurer_price": "-1.00"}, "body.insurer_price"),
        ({"valid_to": "2026-11-30"}, "body.valid_to"),
        ({"validity_kind": "days_after_issue"}, "body.valid_days"),
        ({"region_codes": ["31"]}, "body.region_codes.0"),
        ({"service": "spa"}, "body.service"),
        ({"unknown": 1}, "body.unknown"),
    ]
    for change, field in cases:
        answer = await client.post(
            "/v1/coupon-products", json={**base, **change}, headers=operator.headers
        )
        assert answer.status_code == 422, (change, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], (change, answer.json())
    listed = await client.get("/v1/coupon-products", headers=operator.headers)
    assert "BAD-1" not in [p["code"] for p in listed.json()]


async def test_self_issued_batch_binds_holders_and_finds_coupons(
    client: httpx.AsyncClient, world: Any
) -> None:
    holders = [
        {
            "customer_ref": "C-001",
            "name": "张三",
            "plate_no": "沪A12345",
            "policy_no": "PDAA2026001",
        },
        {"customer_ref": "C-002", "name": "李四", "mobile_masked": "138****0000"},
    ]
    made = await client.post(
        "/v1/batches",
        json={
            "product_id": world.product["id"],
            "quantity": 10,
            "holders": holders,
            "per_holder": 2,
        },
        headers=world.operator.headers,
    )
    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["batch_no"].startswith("CB20261120") and batch["issued_count"] == 4
    assert batch["kind"] == "self_issued"
    page = (
        await client.get(
            "/v1/coupons", params={"batch_id": batch["id"]}, headers=world.operator.headers
        )
    ).json()
    assert page["total"] == 4
    coupon = page["items"][0]
    assert coupon["status"] == "issued"
    # Validity: 30 days from the (Shanghai) day of issue.
    assert (coupon["valid_from"], coupon["valid_to"]) == ("2026-11-20", "2026-12-19")
    assert len(coupon["code"]) == 14 and coupon["code"][4] == "-"
    by_plate = await client.get(
        "/v1/coupons", params={"holder": "沪A12345"}, headers=world.operator.headers
    )
    assert by_plate.json()["total"] == 2
    by_policy = await client.get(
        "/v1/coupons", params={"policy_no": "PDAA2026001"}, headers=world.operator.headers
    )
    assert by_policy.json()["total"] == 2
    typed = coupon["code"].lower().replace("-", " ")
    one = await client.get(f"/v1/coupons/{typed}", headers=world.operator.headers)
    assert one.status_code == 200, one.text
    assert [(s["from_status"], s["to_status"]) for s in one.json()["trail"]] == [(None, "issued")]
    qr = await client.get(f"/v1/coupons/{coupon['code']}/qr.svg", headers=world.operator.headers)
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") and "<svg" in qr.text
    # Another institution sees none of it.
    stranger = world.merchant_admin
    assert (
        await client.get("/v1/coupons", params={"batch_id": batch["id"]}, headers=stranger.headers)
    ).json()["total"] == 0
    assert (
        await client.get(f"/v1/coupons/{coupon['code']}", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.get(f"/v1/batches/{batch['id']}", headers=stranger.headers)
    ).status_code == 404


async def test_batch_never_issues_beyond_its_quantity_under_concurrency(
    client: httpx.AsyncClient, world: Any, app: Any
) -> None:
    made = await client.post(
        "/v1/batches", json={"product_id": world.product["id"], "quantity": 10},
        headers=world.operator.headers,
    )  # fmt: skip
    batch_id = made.json()["id"]

    async def issue() -> httpx.Response:
        return await client.post(
            f"/v1/batches/{batch_id}/issue", json={"count": 3}, headers=world.operator.headers
        )

    answers = await asyncio.gather(*(issue() for _ in range(8)))
    codes_seen = sorted(a.status_code for a in answers)
    assert codes_seen == [200] * 3 + [409] * 5, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {
        "batch_quantity_exceeded"
    }
    final = (await client.get(f"/v1/batches/{batch_id}", headers=world.operator.headers)).json()
    assert final["issued_count"] == 9
    page = await client.get(
        "/v1/coupons", params={"batch_id": batch_id}, headers=world.operator.headers
    )
    assert page.json()["total"] == 9
    over = await client.post(
        f"/v1/batches/{batch_id}/issue", json={"count": 2}, headers=world.operator.headers
    )
    assert over.status_code == 409
    assert over.json()["errors"][0]["field"] == "body.count"


async def test_void_follows_the_state_table(client: httpx.AsyncClient, world: Any) -> None:
    made = await client.post(
        "/v1/batches",
        json={
            "product_id": world.product["id"],
            "quantity": 1,
            "holders": [{"customer_ref": "V-1"}],
        },
        headers=world.operator.headers,
    )
    code = (await client.get("/v1/coupons", params={"batch_id": made.json()["id"]},
                             headers=world.operator.headers)).json()["items"][0]["code"]  # fmt: skip
    voided = await client.post(
        f"/v1/coupons/{code}/void", json={"reason": "客户退保"}, headers=world.operator.headers
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "voided"
    assert voided.json()["trail"][-1]["note"] == "客户退保"
    again = await client.post(
        f"/v1/coupons/{code}/void", json={"reason": "again"}, headers=world.operator.headers
    )
    assert again.status_code == 409 and again.json()["code"] == "coupon_not_voidable"


async def test_expiry_moves_only_coupons_past_their_last_day(
    client: httpx.AsyncClient, new_world: Any, clock: Any
) -> None:
    w = await new_world(product={"valid_days": 2})
    made = await client.post(
        "/v1/batches", json={"product_id": w.product["id"], "quantity": 1, "holders": [{"customer_ref": "E-1"}]},
        headers=w.operator.headers,
    )  # fmt: skip
    page = await client.get(
        "/v1/coupons", params={"batch_id": made.json()["id"]}, headers=w.operator.headers
    )
    code = page.json()["items"][0]["code"]
    clock.advance(days=1)  # 2026-11-21: the last valid day
    await client.post("/v1/coupons/expire", headers=w.operator.headers)
    assert (await client.get(f"/v1/coupons/{code}", headers=w.operator.headers)).json()[
        "status"
    ] == "issued"
    clock.advance(days=1)
    await client.post("/v1/coupons/expire", headers=w.operator.headers)
    coupon = (await client.get(f"/v1/coupons/{code}", headers=w.operator.headers)).json()
    assert coupon["status"] == "expired"
    assert coupon["trail"][-1]["from_status"] == "issued"


def test_codes_are_random_normalisable_and_printable() -> None:
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    code = next(iter(drawn))
    assert codes.normalise(codes.display(code).lower()) == code
    assert codes.normalise("O000-0000-000I") == "000000000001"
    assert codes.normalise("short") is None
    assert codes.normalise("UUUU-UUUU-UUUU") is None  # U is not in Crockford's alphabet


async def test_policy_issued_twice_issues_once(
    client: httpx.AsyncClient, world: Any, app: Any, clock: Any
) -> None:
    from datetime import UTC, datetime

    from servicekit.db import unit_of_work
    from valueadd.coupons.models import Coupon
    from valueadd.coupons.repository import CouponRepository
    from valueadd.coupons.schemas import PolicyFacts
    from valueadd.coupons.service import CouponService

    billed = uuid.uuid4()
    insurer = f"PICC{uuid.uuid4().hex[:4]}"
    rule = await client.post(
        "/v1/issue-rules",
        json={"insurer_code": insurer, "insurer_name": "人保财险", "line": "car_commercial",
              "product_id": world.product["id"], "quantity_per_policy": 3,
              "billed_org_id": str(billed)},
        headers=world.operator.headers,
    )  # fmt: skip
    assert rule.status_code == 201, rule.text
    not_operator = await client.post(
        "/v1/issue-rules",
        json={"insurer_code": insurer, "line": "life", "product_id": world.product["id"],
              "quantity_per_policy": 1, "billed_org_id": str(billed)},
        headers=world.merchant_admin.headers,
    )  # fmt: skip
    assert not_operator.status_code == 403
    policy = PolicyFacts(
        policy_id=str(uuid.uuid4()), policy_no="PDAA202631010000001", insurer_code=insurer,
        line="car_commercial", product_code="DAA", customer_ref="CUS-9", customer_name="王五",
        plate_no="沪B88888", issued_at=datetime(2026, 11, 19, 16, 30, tzinfo=UTC),
    )  # fmt: skip
    other_line = PolicyFacts.model_validate(
        {**policy.model_dump(), "policy_id": str(uuid.uuid4()), "line": "life"}
    )
    for facts in (policy, policy, other_line):
        async for session in unit_of_work(app.state.sessionmaker):
            await CouponService(CouponRepository(session), clock).issue_for_policy(facts)
    async for session in unit_of_work(app.state.sessionmaker):
        coupons = (
            await session.scalars(select(Coupon).where(Coupon.policy_no == policy.policy_no))
        ).all()
        count = await session.scalar(
            select(func.count()).select_from(Coupon).where(Coupon.plate_no == "沪B88888")
        )
    assert len(coupons) == 3 and count == 3
    assert {c.holder_ref for c in coupons} == {"CUS-9"}
    assert {c.billed_org_id for c in coupons} == {billed}
    # 16:30 UTC on the 19th is already the 20th in Shanghai: validity counts from that day.
    assert {c.valid_from.isoformat() for c in coupons} == {"2026-11-20"}
    # The billed institution sees its customers' coupons by policy no.; others do not.
    insurer_user = world.operator.__class__(world.operator.issuer, billed, "insurer-clerk")
    seen = await client.get(
        "/v1/coupons", params={"policy_no": policy.policy_no}, headers=insurer_user.headers
    )
    assert seen.json()["total"] == 3
    assert seen.json()["items"][0]["batch_kind"] == "insurer"
