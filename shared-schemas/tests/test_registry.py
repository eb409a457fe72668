from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from pydantic import ValidationError

from shared_schemas import (
    CATALOGUE,
    EventPayload,
    EventRegistry,
    EventSpec,
    OrderCreatedV1,
    OrderStatusChangedV1,
    UnknownEventType,
    default_registry,
    new_event,
    parse,
    payload_model,
    topic_for,
)
from shared_schemas.registry import DuplicateEventSpec


def test_every_catalogued_event_has_a_sample(samples: dict[str, EventPayload]) -> None:
    assert {s.event_type for s in CATALOGUE} == set(samples)


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: s.schema_file)
def test_bytes_round_trip_into_the_registered_payload_class(
    spec: EventSpec, samples: dict[str, EventPayload]
) -> None:
    payload = samples[spec.event_type]
    event = new_event(
        spec.event_type,
        payload,
        producer=spec.topic.split(".")[0],
        aggregate_id="agg-1",
        correlation_id="corr-1",
    )
    raw = event.model_dump_json().encode()

    parsed = parse(raw)

    assert type(parsed.payload) is spec.payload
    assert parsed == event
    assert parsed.payload == payload
    assert (parsed.event_type, parsed.version) == (spec.event_type, spec.version)
    assert parsed.correlation_id == "corr-1"


def test_new_event_fills_type_version_and_time(order_created: OrderCreatedV1) -> None:
    spec = CATALOGUE[0]
    at = datetime(2026, 10, 20, 4, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        event = new_event(
            spec, order_created, producer="orders", aggregate_id=order_created.order_id
        )
    assert (event.event_type, event.version) == ("orders.order.created", 1)
    assert event.aggregate_id == str(order_created.order_id)
    assert event.occurred_at == at
    assert event.payload is order_created


def test_new_event_refuses_a_payload_of_another_event(order_created: OrderCreatedV1) -> None:
    with pytest.raises(TypeError):
        new_event("orders.order.status_changed", order_created, producer="o", aggregate_id="a")
    spec = next(s for s in CATALOGUE if s.payload is OrderStatusChangedV1)
    with pytest.raises(TypeError):
        new_event(spec, order_created, producer="o", aggregate_id="a")
    with pytest.raises(UnknownEventType):
        new_event("orders.order.deleted", order_created, producer="o", aggregate_id="a")


def _raw(event_type: str, version: int, payload: EventPayload) -> bytes:
    return json.dumps(
        {
            "event_type": event_type,
            "version": version,
            "occurred_at": "2025-01-01T00:00:00Z",
            "producer": "orders",
            "aggregate_id": "a",
            "payload": payload.model_dump(mode="json"),
        }
    ).encode()


def test_unknown_type_raises(order_created: OrderCreatedV1) -> None:
    with pytest.raises(UnknownEventType, match=r"orders\.order\.deleted v1") as info:
        parse(_raw("orders.order.deleted", 1, order_created))
    assert info.value.event_type == "orders.order.deleted"


def test_unknown_version_raises_and_names_known_versions(order_created: OrderCreatedV1) -> None:
    with pytest.raises(UnknownEventType, match=r"registered versions: \[1\]"):
        parse(_raw("orders.order.created", 9, order_created))


def test_payload_is_validated_against_the_registered_model(
    samples: dict[str, EventPayload],
) -> None:
    # A status_changed payload labelled as created must not slip through.
    raw = _raw("orders.order.created", 1, samples["orders.order.status_changed"])
    with pytest.raises(ValidationError):
        parse(raw)


def test_garbage_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        parse(b"not json")
    with pytest.raises(ValidationError):
        parse(b'{"event_type": "orders.order.created"}')


def test_lookups() -> None:
    assert topic_for("orders.order.created") == "orders.order"
    assert topic_for("orders.order.status_changed") == "orders.order"
    assert topic_for("sso.entitlement.changed") == "sso.entitlement"
    assert payload_model("orders.order.created", 1) is OrderCreatedV1
    with pytest.raises(UnknownEventType):
        topic_for("nope.nope.nope")
    with pytest.raises(UnknownEventType):
        payload_model("orders.order.created", 2)


class _CreatedV2(EventPayload):
    order_no: str


def test_register_new_version_and_pick_it_by_payload_class(
    order_created: OrderCreatedV1,
) -> None:
    registry = EventRegistry(CATALOGUE)
    v2 = registry.register(
        EventSpec("orders.order", "orders.order.created", 2, _CreatedV2, "v2 for the test")
    )
    event = registry.new_event(
        "orders.order.created", _CreatedV2(order_no="X"), producer="orders", aggregate_id="a"
    )
    assert event.version == 2
    parsed = registry.parse(event.model_dump_json())
    assert isinstance(parsed.payload, _CreatedV2)
    assert (
        registry.new_event(
            "orders.order.created", order_created, producer="orders", aggregate_id="a"
        ).version
        == 1
    )
    assert v2 in registry.specs()
    # The default registry is untouched by a private one.
    with pytest.raises(UnknownEventType):
        default_registry.payload_model("orders.order.created", 2)


def test_register_refuses_duplicates_and_topic_moves() -> None:
    registry = EventRegistry(CATALOGUE)
    with pytest.raises(DuplicateEventSpec):
        registry.register(CATALOGUE[0])
    with pytest.raises(DuplicateEventSpec):  # same model under a second line
        registry.register(
            EventSpec("orders.order", "orders.order.created", 3, OrderCreatedV1, "again")
        )
    registry.register(EventSpec("orders.order.x", "orders.order.x.created", 1, _CreatedV2, "x"))
    with pytest.raises(DuplicateEventSpec):  # a type keeps its topic across versions
        registry.register(EventSpec("orders.order", "orders.order.x.created", 2, _V3, "y"))
    assert registry.topic_for("orders.order.x.created") == "orders.order.x"


class _V3(EventPayload):
    n: int


@pytest.mark.parametrize(
    ("topic", "event_type", "version", "description"),
    [
        ("finance.invoice", "orders.order.paid", 1, "topic is not a prefix"),
        ("orders.order", "Orders.Order.Paid", 1, "not lower snake case"),
        ("orders.order", "orders.order.paid", 0, "version zero"),
        ("orders.order", "orders.order.paid", 1, "  "),
    ],
)
def test_spec_validates_itself(topic: str, event_type: str, version: int, description: str) -> None:
    with pytest.raises(ValueError):
        EventSpec(topic, event_type, version, _V3, description)
