"""Bridge to the shared contracts: how the runtime decodes envelopes and picks topics."""

from __future__ import annotations

from typing import Any

from shared_schemas import registry


def parse_event(raw: bytes) -> Any:
    return registry.parse(raw)


def topic_for_event(event_type: str) -> str:
    return registry.topic_for(event_type)
