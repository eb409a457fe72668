"""Every published event, in one place. Adding an event = one line here + regenerate the
catalogue (`uv run python -m shared_schemas.catalogue`). A published (topic, type, version)
is never edited: a changed payload is a new version with its own module and line."""

from __future__ import annotations

from shared_schemas.events.orders.v1 import OrderCreatedV1, OrderStatusChangedV1
from shared_schemas.events.sso.v1 import EntitlementChangedV1
from shared_schemas.spec import EventSpec

ORDER_CREATED_V1 = EventSpec(
    "orders.order", "orders.order.created", 1, OrderCreatedV1,
    "A chargeable service order was created in the order center.",
)  # fmt: skip
ORDER_STATUS_CHANGED_V1 = EventSpec(
    "orders.order", "orders.order.status_changed", 1, OrderStatusChangedV1,
    "An order moved from one status to another (one step of its trajectory).",
)  # fmt: skip
ENTITLEMENT_CHANGED_V1 = EventSpec(
    "sso.entitlement", "sso.entitlement.changed", 1, EntitlementChangedV1,
    "An institution's entitlements changed; carries the full new set of entries.",
)  # fmt: skip

CATALOGUE: tuple[EventSpec, ...] = (
    ORDER_CREATED_V1,
    ORDER_STATUS_CHANGED_V1,
    ENTITLEMENT_CHANGED_V1,
)
