"""Every topic and event type insurance consumes, in one place."""

from insurance.deals.handlers import (
    on_order_created,
    on_order_request_rejected,
    on_order_status_changed,
)
from insurance.pushes.handlers import on_entitlement_changed
from servicekit.messaging import Subscriptions
from shared_schemas import topic_for

subscriptions = Subscriptions()
# Which institutions hold the insurance entry: only those receive pushes.
subscriptions.on(
    topic_for("sso.entitlement.changed"), "sso.entitlement.changed", on_entitlement_changed
)
# The order center's answers: deals link to their orders and follow them.
for event_type, handler in (
    ("orders.order.created", on_order_created),
    ("orders.order.status_changed", on_order_status_changed),
    ("orders.order_request.rejected", on_order_request_rejected),
):
    subscriptions.on(topic_for(event_type), event_type, handler)
