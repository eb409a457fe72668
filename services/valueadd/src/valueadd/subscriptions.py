"""Every topic and event type valueadd consumes, in one place."""

from servicekit.messaging import Subscriptions
from shared_schemas import topic_for
from valueadd.common.orderlinks import router as order_feedback

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
