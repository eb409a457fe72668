"""Coupon targets (发券对象): the documented rule, scoped, bad parameters named."""

from __future__ import annotations

import uuid
from typing import Any

ANALYST = ("orders.analysis.query",)
AS_OF = "2026-11-20"


async def _redemptions(
    api: Any, org: uuid.UUID, used_at: str, count: int, ratings: tuple[int, ...] = ()
) -> None:
    for i in range(count):
        order = await api.create(
            org,
            category="value_added_redemption",
            amount="10.00",
            extension={
                "coupon_used_at": used_at,
                "car_model": "比亚迪 秦PLUS",
                "merchant": {"id": "m1", "name": "洗车行"},
                "product": {"id": "p1", "name": "精洗"},
            },
        )
        if i < len(ratings):
            review = await api.client.post(
                f"/v1/orders/{order['id']}/reviews",
                json={"rating": ratings[i]},
                headers=api.headers(org),
            )
            assert review.status_code == 201, review.text


async def _targets(api: Any, headers: dict[str, str], **params: Any) -> Any:
    return await api.client.get(
        "/v1/orders/analysis/coupon-targets", params={"as_of": AS_OF, **params}, headers=headers
    )


async def test_the_rule_picks_active_well_rated_institutions(api: Any) -> None:
    liked, disliked, few, lapsed, unreviewed = (uuid.uuid4() for _ in range(5))
    await _redemptions(api, liked, "2026-11-10T10:00:00+08:00", 6, (5, 4))
    await _redemptions(api, disliked, "2026-11-10T10:00:00+08:00", 6, (2, 3))
    await _redemptions(api, few, "2026-11-10T10:00:00+08:00", 3, (5, 5))
    await _redemptions(api, lapsed, "2026-09-01T10:00:00+08:00", 6, (5, 5))  # > 30 days ago
    await _redemptions(api, unreviewed, "2026-11-19T23:00:00+08:00", 5)

    operator = api.headers(api.org_a, ANALYST, operator=True, subject="ops")
    response = await _targets(api, operator, limit=1000)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["as_of"], body["window_start"]) == (AS_OF, "2026-08-23")
    assert "≥ 5 redemptions" in body["rule"]
    found = {item["customer_org_id"]: item for item in body["items"]}
    assert str(liked) in found and str(unreviewed) in found
    assert not {str(disliked), str(few), str(lapsed)} & set(found)
    top = found[str(liked)]
    assert (top["redemptions"], top["amount"], top["reviews"], top["average_rating"]) == (
        6, "60.00", 2, "4.50",
    )  # fmt: skip
    assert found[str(unreviewed)]["average_rating"] is None

    strict = await _targets(api, operator, require_reviews="true", limit=1000)
    strict_orgs = {item["customer_org_id"] for item in strict.json()["items"]}
    assert str(liked) in strict_orgs and str(unreviewed) not in strict_orgs


async def test_an_institution_sees_only_itself(api: Any) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    await _redemptions(api, mine, "2026-11-15T09:00:00+08:00", 5, (5,))
    await _redemptions(api, theirs, "2026-11-15T09:00:00+08:00", 9, (5,))
    response = await _targets(api, api.headers(mine, ANALYST))
    assert [i["customer_org_id"] for i in response.json()["items"]] == [str(mine)]
    # Its subtree (the token's orgs) is visible; another institution is not.
    parent = uuid.uuid4()
    subtree = await _targets(api, api.headers(parent, ANALYST, orgs=[str(mine)]))
    assert [i["customer_org_id"] for i in subtree.json()["items"]] == [str(mine)]
    nothing = await _targets(api, api.headers(uuid.uuid4(), ANALYST))
    assert nothing.json()["items"] == []


async def test_bad_parameters_name_the_field(api: Any) -> None:
    headers = api.headers(api.org_a, ANALYST)
    for params, field in (
        ({"min_average_rating": "6"}, "query.min_average_rating"),
        ({"window_days": "0"}, "query.window_days"),
        ({"as_of": "yesterday"}, "query.as_of"),
        ({"colour": "red"}, "query.colour"),
    ):
        response = await _targets(api, headers, **params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field
    denied = await _targets(api, api.headers(api.org_a, ("orders.order.query",)))
    assert denied.status_code == 403
