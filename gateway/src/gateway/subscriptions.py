"""Every topic and event type gateway consumes, in one place."""

from gateway.access.handlers import on_entitlement_changed
from servicekit.messaging import Subscriptions

subscriptions = Subscriptions().on(
    "sso.entitlement", "sso.entitlement.changed", on_entitlement_changed
)
