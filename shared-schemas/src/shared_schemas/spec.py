"""`EventSpec`: one catalogue line describing a published event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from shared_schemas.base import EventPayload
from shared_schemas.envelope import EVENT_TYPE_PATTERN, EventEnvelope


@dataclass(frozen=True, slots=True)
class EventSpec:
    """Which payload model an (event_type, version) carries and on which topic it travels."""

    topic: str
    event_type: str
    version: int
    payload: type[EventPayload]
    description: str

    def __post_init__(self) -> None:
        # Checked here so a bad catalogue line fails at import time, not when a consumer
        # first meets the event.
        if not re.fullmatch(EVENT_TYPE_PATTERN, self.event_type):
            raise ValueError(f"event_type {self.event_type!r} is not producer.aggregate.event")
        if not self.event_type.startswith(self.topic + "."):
            raise ValueError(
                f"event_type {self.event_type!r} must start with its topic {self.topic!r} + '.'"
            )
        if self.version < 1:
            raise ValueError(f"version must be >= 1, got {self.version}")
        if not (isinstance(self.payload, type) and issubclass(self.payload, EventPayload)):
            raise TypeError(f"payload must be an EventPayload subclass, got {self.payload!r}")
        if not self.description.strip():
            raise ValueError(f"{self.event_type} v{self.version} needs a description")

    @property
    def schema_file(self) -> str:
        """File name of this event's JSON Schema in docs/events/."""
        return f"{self.event_type}.v{self.version}.schema.json"

    def envelope_model(self) -> type[EventEnvelope[Any]]:
        """`EventEnvelope[<payload>]`; pydantic caches parametrised models, so this is cheap."""
        # cast: mypy cannot index a generic with a runtime class.
        return cast("type[EventEnvelope[Any]]", cast(Any, EventEnvelope)[self.payload])
