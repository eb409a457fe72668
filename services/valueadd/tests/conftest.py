"""Fixtures of valueadd's tests: the service, a pinned clock, callers of several institutions.

(Fixtures, not a helper module: with --import-mode=importlib a test cannot import a sibling.)
Every test that touches the database runs on SQLite and PostgreSQL (servicekit's plugin); the
database lives for the session, so each test makes its own institutions (fresh uuids).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from orders.intake.service import OrderRequestService
from servicekit.clock import FixedClock
from servicekit.db import unit_of_work
from servicekit.definition import ServiceDefinition
from servicekit.testing.tokens import TestTokenIssuer
from shared_schemas import registry
from valueadd.common import clock as valueadd_clock
from valueadd.common.orderlinks import EVENT_TYPE
from valueadd.main import definition

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Everything coupons, redemptions, statements and the mall need.
COUPON_FUNCTIONS = (
    "valueadd.merchant.query", "valueadd.merchant.manage", "valueadd.merchant.reconcile",
    "valueadd.coupon.query", "valueadd.coupon.issue", "valueadd.redemption.query",
    "valueadd.redemption.redeem", "valueadd.statement.query", "valueadd.statement.create",
    "valueadd.mall.query", "valueadd.mall.manage", "valueadd.mall.order",
)  # fmt: skip


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    """valueadd's clock pinned to 2026-11-20 10:00 Shanghai; tests move it explicitly."""
    fixed = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    previous = valueadd_clock.use(fixed)
    try:
        yield fixed
    finally:
        valueadd_clock.use(previous)


@dataclass
class Caller:
    """Someone calling valueadd through the gateway: an institution's user or an operator."""

    issuer: TestTokenIssuer
    org_id: uuid.UUID
    subject: str
    operator: bool = False
    functions: tuple[str, ...] = COUPON_FUNCTIONS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return self.issuer.headers(
            entry="valueadd", functions=self.functions, org_id=self.org_id,
            subject=self.subject, platform_operator=self.operator,
            org_type="technology" if self.operator else "mall", **self.extra,
        )  # fmt: skip


@pytest.fixture
def caller(token_issuer: TestTokenIssuer) -> Callable[..., Caller]:
    def make(
        *, operator: bool = False, org_id: uuid.UUID | None = None, subject: str | None = None,
        functions: tuple[str, ...] = COUPON_FUNCTIONS,
    ) -> Caller:  # fmt: skip
        org = org_id or uuid.uuid4()
        who = subject or f"user-{uuid.uuid4().hex[:10]}"
        return Caller(token_issuer, org, who, operator, functions)

    return make


@pytest.fixture
def operator(caller: Callable[..., Caller]) -> Caller:
    return caller(operator=True)


@dataclass
class World:
    """An operator's coupon product, a merchant institution with a store, a staff member and a
    price for the product — what most coupon tests start from."""

    operator: Caller
    merchant_admin: Caller
    staff: Caller
    product: dict[str, Any]
    merchant: dict[str, Any]
    store: dict[str, Any]


@pytest.fixture
async def world(client: Any, caller: Callable[..., Caller], clock: FixedClock) -> World:
    return await make_world(client, caller)


async def make_world(
    client: Any, caller: Callable[..., Caller], *, region: str = "310000",
    store_region: str = "310104", product: dict[str, Any] | None = None,
) -> World:  # fmt: skip
    operator = caller(operator=True)
    body = {
        "code": f"WASH-{uuid.uuid4().hex[:8].upper()}", "name": "标准洗车券", "service": "wash",
        "face_value": "50.00", "insurer_price": "45.00", "settlement_price": "30.00",
        "validity_kind": "days_after_issue", "valid_days": 30, "region_codes": [region],
    }  # fmt: skip
    body.update(product or {})
    made = await client.post("/v1/coupon-products", json=body, headers=operator.headers)
    assert made.status_code == 201, made.text
    merchant_org = uuid.uuid4()
    admin = caller(org_id=merchant_org)
    merchant = await client.post(
        "/v1/merchants",
        json={"org_id": str(merchant_org), "name": f"车享养车{merchant_org.hex[:4]}",
              "region_code": "310100", "services": ["wash"]},
        headers=admin.headers,
    )  # fmt: skip
    assert merchant.status_code == 201, merchant.text
    mid = merchant.json()["id"]
    store = await client.post(
        f"/v1/merchants/{mid}/stores",
        json={"name": "徐汇店", "address": "上海市徐汇区漕溪北路1号", "region_code": store_region,
              "latitude": "31.188000", "longitude": "121.437000"},
        headers=admin.headers,
    )  # fmt: skip
    assert store.status_code == 201, store.text
    staff = caller(org_id=merchant_org)
    put = await client.put(
        f"/v1/merchants/{mid}/staff/{staff.subject}",
        json={"name": "店员小王", "store_id": store.json()["id"]},
        headers=admin.headers,
    )
    assert put.status_code == 200, put.text
    price = await client.put(
        f"/v1/merchants/{mid}/prices/{made.json()['id']}",
        json={"settlement_price": "28.50"},
        headers=operator.headers,
    )
    assert price.status_code == 200, price.text
    return World(operator, admin, staff, made.json(), merchant.json(), store.json())


@pytest.fixture
def new_world(client: Any, caller: Callable[..., Caller], clock: FixedClock) -> Callable[..., Any]:
    async def make(**kwargs: Any) -> World:
        return await make_world(client, caller, **kwargs)

    return make


@pytest.fixture
def order_center(app: Any) -> Callable[[str], Any]:
    """What the order center's intake answers to valueadd's order requests whose source ref
    starts with `prefix`, as they sit in the outbox: {source ref: None (accepted) or the
    refusal code}. It is orders' own check (`OrderRequestService`, the order API's schema and
    the category rules), run on exactly what the consumer would parse — so a request the
    order center would reject (`extension_invalid`, `request_invalid`, …) fails the test
    here rather than only in the running platform."""

    async def answers(prefix: str) -> dict[str, str | None]:
        async for session in unit_of_work(app.state.sessionmaker):
            bodies = (await session.scalars(
                text("SELECT body FROM outbox_messages WHERE event_type = :t "
                     "AND message_key LIKE :k"), {"t": EVENT_TYPE, "k": f"{prefix}%"},
            )).all()  # fmt: skip
        out: dict[str, str | None] = {}
        for body in bodies:
            event = registry.parse(body)
            try:
                OrderRequestService._order_create(event)
            except Exception as refused:  # orders' _Refused: a stable code and the reason
                out[event.payload.source_ref] = f"{refused.code}: {refused.reason}"  # type: ignore[attr-defined]
            else:
                out[event.payload.source_ref] = None
        return out

    return answers
