"""Every topic and event type valueadd consumes, in one place."""

from servicekit.messaging import Subscriptions
from shared_schemas import topic_for
from valueadd.common.orderlinks import router as order_feedback
from valueadd.coupons.handlers import on_policy_issued

subscriptions = Subscriptions()

# The order center's answers to valueadd's order requests, routed by source ref to the module
# that asked (valueadd.common.orderlinks).
subscriptions.on(
    topic_for("orders.order.created"), "orders.order.created", order_feedback.on_created
)
subscriptions.on(
    topic_for("orders.order.status_changed"),
    "orders.order.status_changed",
    order_feedback.on_status_changed,
)
subscriptions.on(
    topic_for("orders.order_request.rejected"),
    "orders.order_request.rejected",
    order_feedback.on_rejected,
)

# 保司发券: an issued policy gets the coupons its insurer's rules give.
subscriptions.on(topic_for("insurance.policy.issued"), "insurance.policy.issued", on_policy_issued)
