"""Every topic and event type risk consumes, in one place: the order center's answers to the
batches' and payouts' order requests."""

from risk.reconciliation.handlers import (
    on_order_created,
    on_order_request_rejected,
    on_order_status_changed,
)
from servicekit.messaging import Subscriptions

subscriptions = (
    Subscriptions()
    .on("orders.order", "orders.order.created", on_order_created)
    .on("orders.order", "orders.order.status_changed", on_order_status_changed)
    .on("orders.order_request", "orders.order_request.rejected", on_order_request_rejected)
)
