"""Every topic and event type sso consumes, in one place."""

from servicekit.messaging import Subscriptions

subscriptions = Subscriptions()
