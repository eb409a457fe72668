from __future__ import annotations

import time
import uuid

from shared_schemas import OrderCreatedV1, new_event, uuid7


def test_uuid7_is_a_version_7_rfc_uuid_carrying_the_time_in_ms() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid7()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after
    assert uuid.UUID(str(made)) == made


def test_uuid7_ids_grow_with_time_and_do_not_repeat() -> None:
    earlier = [uuid7() for _ in range(1000)]
    time.sleep(0.002)
    later = [uuid7() for _ in range(1000)]
    assert max(earlier) < min(later)
    assert len({*earlier, *later}) == 2000


def test_events_get_time_ordered_ids(order_created: OrderCreatedV1) -> None:
    event = new_event("orders.order.created", order_created, producer="orders", aggregate_id="o-1")
    assert event.event_id.version == 7
