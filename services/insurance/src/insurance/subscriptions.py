"""Every topic and event type insurance consumes, in one place."""

from insurance.pushes.handlers import on_entitlement_changed
from servicekit.messaging import Subscriptions
from shared_schemas import topic_for

subscriptions = Subscriptions()
# Which institutions hold the insurance entry: only those receive pushes.
subscriptions.on(
    topic_for("sso.entitlement.changed"), "sso.entitlement.changed", on_entitlement_changed
)
