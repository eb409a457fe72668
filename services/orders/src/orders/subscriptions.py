"""Every topic and event type orders consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
