"""Event backbone: transactional outbox + relay, inbox + consumer, dead letters."""

from servicekit.messaging.consumer import (
    BatchHandler,
    EventConsumer,
    HandlerContext,
    Subscriptions,
)
from servicekit.messaging.outbox import Outbox
from servicekit.messaging.relay import OutboxRelay
from servicekit.messaging.runtime import Messaging
from servicekit.messaging.tables import MessagingTables

__all__ = [
    "BatchHandler",
    "EventConsumer",
    "HandlerContext",
    "Messaging",
    "MessagingTables",
    "Outbox",
    "OutboxRelay",
    "Subscriptions",
]
