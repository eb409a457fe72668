"""Every topic and event type gateway consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
