from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine

from shared_schemas import OrderCreatedV1, new_event, uuid7

#: The pinned clock of these tests (uuid7 reads the wall clock by default).
AT = datetime(2026, 10, 20, 4, 0, 0, 123_000, tzinfo=UTC)


def test_uuid7_is_a_version_7_rfc_uuid_carrying_the_time_in_ms() -> None:
    with time_machine.travel(AT, tick=False):
        made = uuid7()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == int(AT.timestamp() * 1000)
    assert uuid.UUID(str(made)) == made


def test_uuid7_ids_grow_with_time_and_do_not_repeat() -> None:
    with time_machine.travel(AT, tick=False) as traveller:
        earlier = [uuid7() for _ in range(1000)]
        traveller.shift(0.002)
        later = [uuid7() for _ in range(1000)]
    assert max(earlier) < min(later)
    assert len({*earlier, *later}) == 2000


def test_events_get_time_ordered_ids(order_created: OrderCreatedV1) -> None:
    event = new_event("orders.order.created", order_created, producer="orders", aggregate_id="o-1")
    assert event.event_id.version == 7


def test_uuid7_of_a_given_time_and_random_bits_is_reproducible() -> None:
    at = 1_764_000_000_123  # 2025-11-24, in ms
    made = uuid7(at, random_bits=0xFFFF_FFFF_FFFF_FFFF_FFFF)
    assert made.int >> 80 == at
    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert made == uuid7(at, random_bits=0xFFFF_FFFF_FFFF_FFFF_FFFF)
    assert uuid7(at, random_bits=1) < uuid7(at + 1, random_bits=0)


def test_uuid7_refuses_a_time_outside_its_48_bits() -> None:
    with pytest.raises(ValueError, match="48 bits"):
        uuid7(-1)
    with pytest.raises(ValueError, match="48 bits"):
        uuid7(1 << 48)
