"""Every topic and event type orders consumes, in one place."""

from orders.intake.handlers import ORDER_REQUESTS, on_order_requests
from orders.order.handlers import REPORTS, on_finance_events
from servicekit.messaging import Subscriptions
from shared_schemas import topic_for

# Finance's invoice and settlement status flows back to the orders in real time: one batch
# handler takes all of them, so a polled batch's events move their orders together (one lock
# query, a few multi-row writes) in partition order. Safe for concurrent partitions: a batch
# locks its orders in id order and upserts monthly totals in key order, so batches of two
# partitions naming the same order wait for each other instead of deadlocking.
subscriptions = Subscriptions(concurrent_partitions=True)
for event_type in REPORTS:
    subscriptions.on_batch(topic_for(event_type), event_type, on_finance_events)
# The business services' order requests (insurance.order_request, risk.…, valueadd.…): a
# batch's requests are created together; creation is idempotent by source reference (the
# unique key decides a race between partitions).
for event_type in ORDER_REQUESTS:
    subscriptions.on_batch(topic_for(event_type), event_type, on_order_requests)
