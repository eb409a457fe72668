"""Lookup of (event_type, version) → payload model and topic; parse and build envelopes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared_schemas.base import EventPayload, SharedEventPayload
from shared_schemas.catalogue_specs import CATALOGUE
from shared_schemas.envelope import EventEnvelope
from shared_schemas.spec import EventSpec

P = TypeVar("P", bound=EventPayload)


class UnknownEventType(LookupError):
    """No payload model is registered for this event type (and version)."""

    def __init__(self, event_type: str, version: int | None = None, known: Iterable[int] = ()):
        self.event_type = event_type
        self.version = version
        what = event_type if version is None else f"{event_type} v{version}"
        versions = sorted(known)
        hint = f" (registered versions: {versions})" if versions else ""
        super().__init__(f"unknown event type {what}{hint}")


class DuplicateEventSpec(ValueError):
    """The same (event_type, version) or payload model was registered twice."""


class _Head(BaseModel):
    # Only the routing fields, read first to choose the payload model; the full envelope is
    # then validated strictly (extra="forbid") against that model.
    model_config = ConfigDict(extra="ignore")

    event_type: str
    version: int


class EventRegistry:
    """Maps (event_type, version) to its `EventSpec`; every event type keeps a single topic."""

    def __init__(self, specs: Iterable[EventSpec] = ()) -> None:
        self._by_key: dict[tuple[str, int], EventSpec] = {}
        self._by_payload: dict[type[EventPayload], EventSpec] = {}
        self._topics: dict[str, str] = {}
        #: (event type, version) → EventEnvelope[payload], looked up for every message parsed
        #: (indexing the generic each time costs more than a dict lookup).
        self._envelopes: dict[tuple[str, int], type[EventEnvelope[Any]]] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: EventSpec) -> EventSpec:
        key = (spec.event_type, spec.version)
        if key in self._by_key:
            raise DuplicateEventSpec(f"{spec.event_type} v{spec.version} is already registered")
        # One model per line: new_event() finds the version from the payload's class. A shared
        # payload may carry several event types, but still one version of each.
        shared = issubclass(spec.payload, SharedEventPayload)
        versioned = any(s.payload is spec.payload for (t, _), s in self._by_key.items()
                        if t == spec.event_type)  # fmt: skip
        if spec.payload in self._by_payload and (not shared or versioned):
            other = self._by_payload[spec.payload]
            raise DuplicateEventSpec(
                f"{spec.payload.__name__} is already the payload of "
                f"{other.event_type} v{other.version}"
            )
        topic = self._topics.get(spec.event_type, spec.topic)
        if topic != spec.topic:
            raise DuplicateEventSpec(
                f"{spec.event_type} is on topic {topic!r}; a new version cannot move to "
                f"{spec.topic!r}"
            )
        self._by_key[key] = spec
        self._envelopes[key] = spec.envelope_model()
        self._by_payload.setdefault(spec.payload, spec)
        self._topics[spec.event_type] = spec.topic
        return spec

    def specs(self) -> list[EventSpec]:
        """All specs ordered by topic, event type, version (stable for generated docs)."""
        return sorted(self._by_key.values(), key=lambda s: (s.topic, s.event_type, s.version))

    def spec(self, event_type: str, version: int) -> EventSpec:
        try:
            return self._by_key[(event_type, version)]
        except KeyError:
            raise self._unknown(event_type, version) from None

    def _unknown(self, event_type: str, version: int) -> UnknownEventType:
        known = [v for (t, v) in self._by_key if t == event_type]
        return UnknownEventType(event_type, version, known)

    def payload_model(self, event_type: str, version: int) -> type[EventPayload]:
        return self.spec(event_type, version).payload

    def topic_for(self, event_type: str) -> str:
        try:
            return self._topics[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def spec_for_payload(self, payload_type: type[EventPayload]) -> EventSpec:
        """The one line carrying this model; a shared payload (several event types) has no
        single line, so asking for it is a TypeError: name the event type instead."""
        if issubclass(payload_type, SharedEventPayload):
            raise TypeError(
                f"{payload_type.__name__} is shared by several event types; name the event type"
            )
        try:
            return self._by_payload[payload_type]
        except KeyError:
            raise UnknownEventType(payload_type.__name__) from None

    def specs_for_payload(self, payload_type: type[EventPayload]) -> list[EventSpec]:
        """Every line carrying this model (several for a shared payload), in catalogue order."""
        return [s for s in self._by_key.values() if s.payload is payload_type]

    def parse(self, raw: bytes | str) -> EventEnvelope[Any]:
        """Validate a JSON message into an envelope whose payload is the registered model.

        Raises `UnknownEventType` for an unregistered (event_type, version) and
        `pydantic.ValidationError` for anything malformed.
        """
        head = _Head.model_validate_json(raw)
        envelope = self._envelopes.get((head.event_type, head.version))
        if envelope is None:
            raise self._unknown(head.event_type, head.version)
        return envelope.model_validate_json(raw)

    def new_event(
        self,
        spec_or_type: EventSpec | str,
        payload: P,
        *,
        producer: str,
        aggregate_id: str | UUID,
        org_id: UUID | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> EventEnvelope[P]:
        """Wrap a payload in an envelope, taking event_type and version from its spec.

        With an event type string, the version is the one whose payload model is the
        payload's class, so a V1 payload can never be sent labelled as V2.
        """
        spec = self._resolve(spec_or_type, payload)
        envelope = spec.envelope_model()(
            event_type=spec.event_type,
            version=spec.version,
            occurred_at=occurred_at if occurred_at is not None else datetime.now(UTC),
            producer=producer,
            org_id=org_id,
            aggregate_id=str(aggregate_id),
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=payload,
        )
        return cast("EventEnvelope[P]", envelope)

    def _resolve(self, spec_or_type: EventSpec | str, payload: EventPayload) -> EventSpec:
        if isinstance(spec_or_type, EventSpec):
            spec = self.spec(spec_or_type.event_type, spec_or_type.version)
            if spec != spec_or_type:
                raise ValueError(
                    f"{spec.event_type} v{spec.version} differs from the registered spec"
                )
        else:
            self.topic_for(spec_or_type)  # unknown event type → UnknownEventType
            matches = [
                s for (t, _), s in self._by_key.items()
                if t == spec_or_type and s.payload is type(payload)
            ]  # fmt: skip
            if not matches:
                raise TypeError(
                    f"{type(payload).__name__} is not a registered payload of {spec_or_type}"
                )
            spec = matches[0]
        if type(payload) is not spec.payload:
            raise TypeError(
                f"{spec.event_type} v{spec.version} carries {spec.payload.__name__}, "
                f"got {type(payload).__name__}"
            )
        if isinstance(payload, SharedEventPayload):
            payload.check_event_type(spec.event_type)
        return spec


default_registry = EventRegistry(CATALOGUE)
"""The platform's registry, filled from `catalogue_specs.CATALOGUE`."""

# Module-level shortcuts on the default registry.
register = default_registry.register
payload_model = default_registry.payload_model
topic_for = default_registry.topic_for
parse = default_registry.parse
new_event = default_registry.new_event
