"""Valid payloads for every catalogued event, shared by the tests as fixtures.

(Fixtures, not imports: with --import-mode=importlib a test cannot import a sibling module.)
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from shared_schemas import (
    EntitlementChangedV1,
    Entry,
    EventPayload,
    Money,
    OrderCategory,
    OrderCreatedV1,
    OrderDirection,
    OrderStatus,
    OrderStatusChangedV1,
)

ORDER_ID = UUID("11111111-1111-4111-8111-111111111111")
ORG_ID = UUID("22222222-2222-4222-8222-222222222222")

ORDER_CREATED = OrderCreatedV1(
    order_id=ORDER_ID,
    order_no="RA20250101000001",
    category=OrderCategory.risk_assessment,
    direction=OrderDirection.receivable,
    customer_org_id=ORG_ID,
    amount=Money(amount="1234.50"),
    source_service="risk",
    source_ref="assessment-42",
    sign_date=date(2025, 1, 1),
    created_by="user-7",
)
ORDER_STATUS_CHANGED = OrderStatusChangedV1(
    order_id=ORDER_ID,
    order_no="RA20250101000001",
    from_status=OrderStatus.created,
    to_status=OrderStatus.reconciled,
    changed_by="user-7",
)
ENTITLEMENT_CHANGED = EntitlementChangedV1(
    org_id=ORG_ID,
    entitlement_version=3,
    entries=[Entry.insurance, Entry.finance],
    changed_by="admin",
)

# event_type → a valid payload of its v1 model; a new catalogue line needs a sample here.
SAMPLES: dict[str, EventPayload] = {
    "orders.order.created": ORDER_CREATED,
    "orders.order.status_changed": ORDER_STATUS_CHANGED,
    "sso.entitlement.changed": ENTITLEMENT_CHANGED,
}


@pytest.fixture
def samples() -> dict[str, EventPayload]:
    return dict(SAMPLES)


@pytest.fixture
def order_created() -> OrderCreatedV1:
    return ORDER_CREATED
