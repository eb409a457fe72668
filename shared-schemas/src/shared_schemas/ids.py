"""Time-ordered UUIDs for ids that become index keys on every write."""

from __future__ import annotations

import os
import time
from uuid import UUID

_VERSION_7 = 0x7 << 76
_VERSION_MASK = 0xF << 76
_VARIANT_RFC = 0x2 << 62
_VARIANT_MASK = 0x3 << 62


def uuid7(unix_ms: int | None = None, *, random_bits: int | None = None) -> UUID:
    """An RFC 9562 version 7 UUID: the Unix time in milliseconds (48 bits), then 74 random bits.

    Event ids are the keys of every consumer's inbox and every producer's outbox. Random (v4)
    keys put each insert on a random page of those indexes, so a busy consumer dirtied, and
    after each checkpoint wrote a full image of, a different page per event; ids that grow with
    time land next to each other. Ids of the same millisecond are in random order (uniqueness
    rests on the 74 random bits, as a v4's rests on 122).

    `unix_ms` (default now) and `random_bits` (80 bits; default from os.urandom) are for data
    made up after the fact, such as a seed of past orders drawn from its own generator."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    if not 0 <= ms < 1 << 48:
        raise ValueError(f"unix_ms {ms} does not fit the 48 bits of a version 7 UUID")
    rand = int.from_bytes(os.urandom(10), "big") if random_bits is None else random_bits
    value = ms << 80 | (rand & ((1 << 80) - 1))
    return UUID(int=(value & ~_VERSION_MASK & ~_VARIANT_MASK) | _VERSION_7 | _VARIANT_RFC)
