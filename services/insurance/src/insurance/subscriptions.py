"""Every topic and event type insurance consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
