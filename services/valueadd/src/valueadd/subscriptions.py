"""Every topic and event type valueadd consumes, in one place."""

from typing import Any

from servicekit.messaging import HandlerContext, Subscriptions
from servicekit.messaging.consumer import Handler
from shared_schemas import topic_for
from valueadd.common.orderlinks import router as order_feedback
from valueadd.coupons.handlers import on_policy_issued
from valueadd.techservices import handlers as tech_services

subscriptions = Subscriptions()


def _then(*handlers: Handler) -> Handler:
    """One subscription, several handlers, in order, in the event's one transaction."""

    async def run(event: Any, ctx: HandlerContext) -> None:
        for handler in handlers:
            await handler(event, ctx)

    return run


# The order center's answers to valueadd's order requests, routed by source ref to the module
# that asked (valueadd.common.orderlinks).
# Then the service orders the order center imported that a technical-service contract covers
# (valueadd.techservices).
subscriptions.on(
    topic_for("orders.order.created"),
    "orders.order.created",
    _then(order_feedback.on_created, tech_services.on_order_created),
)
subscriptions.on(
    topic_for("orders.order.status_changed"),
    "orders.order.status_changed",
    _then(order_feedback.on_status_changed, tech_services.on_order_status_changed),
)
subscriptions.on(
    topic_for("orders.order_request.rejected"),
    "orders.order_request.rejected",
    order_feedback.on_rejected,
)

# 保司发券: an issued policy gets the coupons its insurer's rules give.
subscriptions.on(topic_for("insurance.policy.issued"), "insurance.policy.issued", on_policy_issued)
