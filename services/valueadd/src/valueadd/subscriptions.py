"""Every topic and event type valueadd consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
