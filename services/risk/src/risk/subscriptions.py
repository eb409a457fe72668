"""Every topic and event type risk consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
