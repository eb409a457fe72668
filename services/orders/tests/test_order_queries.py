"""GET /v1/orders: filters, keyset pages and institution scoping.

Each test uses institutions of its own, so the orders other tests made do not show up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

#: Orders are created on this (travelled, ticking) clock: noon in Shanghai, so "created today"
#: is the same day whenever the suite runs.
NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)
TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


async def _list(api: Any, org: uuid.UUID | None = None, headers: Any = None, **params: Any) -> Any:
    response = await api.client.get(
        "/v1/orders", params=params, headers=headers or api.headers(org or api.org_a)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _ids(api: Any, org: uuid.UUID, **params: Any) -> list[str]:
    return [o["id"] for o in (await _list(api, org, customer_org_id=str(org), **params))["items"]]


async def test_keyset_pages_are_newest_first_and_stable(api: Any) -> None:
    org = uuid.uuid4()
    made = [(await api.create(org))["id"] for _ in range(7)]
    pages: list[list[str]] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await _list(api, org, **params)
        pages.append([o["id"] for o in page["items"]])
        if len(pages) == 1:
            # An order created while paging lands before the cursor: no repeats, no gaps.
            made.append((await api.create(org))["id"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == list(reversed(made[:7]))
    assert (await _ids(api, org))[0] == made[7]


async def test_filters_narrow_the_list(api: Any, finance: Any) -> None:
    org = uuid.uuid4()
    risk = await api.create(org, amount="10.00", sign_date="2026-11-01")
    promo = await api.create(
        org, category="channel_promotion_fee", amount="200.00", sign_date="2026-11-15"
    )
    payout = await api.create(
        org,
        category="promoter_payout",
        direction="payable",
        amount="35.50",
        source_service="insurance",
        sign_date=None,
    )
    assert (await api.move(promo["id"], "reconciled", org)).status_code == 200
    await finance.deliver(
        finance.applied([(promo["id"], "200.00")]), finance.issued([(promo["id"], "200.00")])
    )
    today, yesterday = TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({}, [payout["id"], promo["id"], risk["id"]]),
        ({"category": ["risk_assessment", "promoter_payout"]}, [payout["id"], risk["id"]]),
        ({"direction": "payable"}, [payout["id"]]),
        ({"status": ["invoiced", "reconciled"]}, [promo["id"]]),
        ({"status": "created"}, [payout["id"], risk["id"]]),
        ({"source_service": "insurance"}, [payout["id"]]),
        ({"amount_min": "10.00", "amount_max": "35.50"}, [payout["id"], risk["id"]]),
        ({"amount_min": "35.51"}, [promo["id"]]),
        ({"sign_date_from": "2026-11-01", "sign_date_to": "2026-11-14"}, [risk["id"]]),
        ({"sign_date_from": "2026-11-15"}, [promo["id"]]),
        ({"created_from": today, "created_to": today}, [payout["id"], promo["id"], risk["id"]]),
        ({"created_to": yesterday}, []),
        ({"invoiced_from": today, "invoiced_to": today}, [promo["id"]]),
        ({"invoiced_to": yesterday}, []),
        ({"settled_from": "2020-01-01"}, []),
    ]
    for params, expected in cases:
        assert await _ids(api, org, **params) == expected, params


async def test_an_institution_sees_only_its_own_orders(api: Any) -> None:
    org_a, org_b, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    mine = await api.create(org_a)
    theirs = await api.create(org_b)

    assert [o["id"] for o in (await _list(api, org_a))["items"]] == [mine["id"]]
    assert [o["id"] for o in (await _list(api, org_b))["items"]] == [theirs["id"]]
    # Asking for another institution by name still shows only what the caller may see.
    assert (await _list(api, org_a, customer_org_id=str(org_b)))["items"] == []
    for order in (mine, theirs):
        response = await api.client.get(f"/v1/orders/{order['id']}", headers=api.headers(parent))
        assert response.status_code == 404
    # A parent institution sees its subtree (the gateway's `orgs` claim) …
    subtree = api.headers(parent, orgs=[str(org_a), str(org_b)])
    assert {o["id"] for o in (await _list(api, headers=subtree))["items"]} == {
        mine["id"],
        theirs["id"],
    }
    # … and a platform operator sees every institution.
    operator = api.headers(uuid.uuid4(), operator=True)
    seen = await _list(api, headers=operator, customer_org_id=str(org_b))
    assert [o["id"] for o in seen["items"]] == [theirs["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 201}, "query.limit"),
        ({"limit": 0}, "query.limit"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"created_from": "2026-11-02", "created_to": "2026-11-01"}, "query.created_to"),
        ({"amount_min": "5.00", "amount_max": "4.99"}, "query.amount_max"),
        ({"amount_min": "1.005"}, "query.amount_min"),
        ({"status": "archived"}, "query.status.0"),
        ({"stauts": "created"}, "query.stauts"),
    ],
)
async def test_a_bad_query_names_the_parameter(
    params: dict[str, Any], field: str, api: Any
) -> None:
    response = await api.client.get("/v1/orders", params=params, headers=api.headers())
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_listing_needs_the_query_function(api: Any) -> None:
    response = await api.client.get(
        "/v1/orders", headers=api.headers(functions=["orders.order.create"])
    )
    assert (response.status_code, response.json()["code"]) == (403, "function_not_granted")
