from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from shared_schemas import (
    CATALOGUE,
    EntitlementChangedV1,
    Entry,
    EventEnvelope,
    OrderCreatedV1,
    OrderStatus,
    OrderStatusChangedV1,
    trusted,
)


def _fields(payload: OrderCreatedV1, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event_type": "orders.order.created",
        "version": 1,
        "occurred_at": datetime(2025, 1, 1, 8, 0, tzinfo=UTC),
        "producer": "orders",
        "aggregate_id": str(payload.order_id),
        "payload": payload,
    }
    fields.update(overrides)
    return fields


def test_naive_datetime_rejected(order_created: OrderCreatedV1) -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        EventEnvelope[OrderCreatedV1](**_fields(order_created, occurred_at=datetime(2025, 1, 1)))


def test_naive_datetime_string_rejected(order_created: OrderCreatedV1) -> None:
    raw = EventEnvelope[OrderCreatedV1](**_fields(order_created)).model_dump(mode="json")
    raw["occurred_at"] = "2025-01-01T08:00:00"
    with pytest.raises(ValidationError, match="timezone-aware"):
        EventEnvelope[OrderCreatedV1].model_validate_json(json.dumps(raw))


def test_aware_datetime_normalised_to_utc(order_created: OrderCreatedV1) -> None:
    shanghai = timezone(timedelta(hours=8))
    env = EventEnvelope[OrderCreatedV1](
        **_fields(order_created, occurred_at=datetime(2025, 1, 1, 16, 0, tzinfo=shanghai))
    )
    assert env.occurred_at == datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
    assert env.occurred_at.utcoffset() == timedelta(0)
    assert json.loads(env.model_dump_json())["occurred_at"] == "2025-01-01T08:00:00Z"


def test_extra_envelope_field_rejected(order_created: OrderCreatedV1) -> None:
    with pytest.raises(ValidationError, match="extra"):
        EventEnvelope[OrderCreatedV1](**_fields(order_created, tenant="x"))


def test_extra_payload_field_rejected(order_created: OrderCreatedV1) -> None:
    raw = EventEnvelope[OrderCreatedV1](**_fields(order_created)).model_dump(mode="json")
    raw["payload"]["discount"] = "1.00"
    with pytest.raises(ValidationError, match="extra"):
        EventEnvelope[OrderCreatedV1].model_validate_json(json.dumps(raw))


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", 0), ("event_type", "OrderCreated"), ("event_type", "orders.created"),
     ("producer", ""), ("aggregate_id", "")],
)  # fmt: skip
def test_envelope_field_constraints(order_created: OrderCreatedV1, field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        EventEnvelope[OrderCreatedV1](**_fields(order_created, **{field: value}))


def test_defaults_and_frozen(order_created: OrderCreatedV1) -> None:
    a = EventEnvelope[OrderCreatedV1](**_fields(order_created))
    b = EventEnvelope[OrderCreatedV1](**_fields(order_created))
    assert a.event_id != b.event_id
    assert a.org_id is None and a.correlation_id is None and a.causation_id is None
    with pytest.raises(ValidationError):
        a.producer = "finance"  # type: ignore[misc]


def test_payload_must_match_parametrised_model(order_created: OrderCreatedV1) -> None:
    raw = EventEnvelope[OrderCreatedV1](**_fields(order_created)).model_dump(mode="json")
    with pytest.raises(ValidationError):
        EventEnvelope[OrderStatusChangedV1].model_validate(raw)


def test_status_change_must_change(order_created: OrderCreatedV1) -> None:
    with pytest.raises(ValidationError, match="differ"):
        OrderStatusChangedV1(
            order_id=order_created.order_id,
            order_no=order_created.order_no,
            from_status=OrderStatus.invoiced,
            to_status=OrderStatus.invoiced,
            changed_by="finance",
        )


def test_entitlement_entries_unique_and_known() -> None:
    base: dict[str, Any] = {
        "org_id": "22222222-2222-4222-8222-222222222222",
        "entitlement_version": 1,
        "changed_by": "admin",
    }
    assert EntitlementChangedV1(**base, entries=[]).entries == []
    assert EntitlementChangedV1(**base, entries=["risk"]).entries == [Entry.risk]
    with pytest.raises(ValidationError, match="repeat"):
        EntitlementChangedV1(**base, entries=[Entry.risk, Entry.risk])
    with pytest.raises(ValidationError):
        EntitlementChangedV1(**base, entries=["mall"])
    with pytest.raises(ValidationError):
        EntitlementChangedV1(**{**base, "entitlement_version": 0}, entries=[])


def _status_changed_fields() -> dict[str, Any]:
    return {
        "order_id": uuid4(),
        "order_no": "OC20261126000001",
        "from_status": OrderStatus.invoice_applied,
        "to_status": OrderStatus.invoiced,
        "changed_by": "fin-invoicer",
        "cause": str(uuid4()),
        "note": "invoice 04400012 issued",
    }


def test_trusted_builds_what_model_construct_builds() -> None:
    payload_fields = _status_changed_fields()
    envelope = EventEnvelope[OrderStatusChangedV1]
    built = []
    for make in (trusted, lambda model, **values: model.model_construct(**values)):
        payload = make(OrderStatusChangedV1, **payload_fields)
        built.append(
            make(
                envelope,
                event_id=UUID(int=7),
                event_type="orders.order.status_changed",
                version=1,
                occurred_at=datetime(2026, 11, 26, 3, 0, tzinfo=UTC),
                producer="orders",
                org_id=None,
                aggregate_id=str(payload_fields["order_id"]),
                correlation_id=None,
                causation_id=payload_fields["cause"],
                payload=payload,
            )
        )
    fast, slow = built
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
    # and what it builds is a valid event of the contract
    parsed = envelope.model_validate_json(fast.model_dump_json())
    assert parsed == slow


def test_trusted_refuses_a_missing_or_unknown_field() -> None:
    fields = _status_changed_fields()
    del fields["note"]  # has a default: model_construct would fill it in silently
    with pytest.raises(TypeError, match=r"missing \['note'\]"):
        trusted(OrderStatusChangedV1, **fields)
    with pytest.raises(TypeError, match=r"unknown \['notes'\]"):
        trusted(OrderStatusChangedV1, **fields, notes="x", note=None)


@pytest.mark.parametrize("spec", CATALOGUE, ids=lambda s: f"{s.event_type}.v{s.version}")
def test_every_contract_can_be_built_trusted(spec: Any) -> None:
    """trusted() does not set up private attributes or extra fields: no contract has them."""
    for model in (spec.payload, spec.envelope_model()):
        assert model.__pydantic_post_init__ is None
        assert model.model_config.get("extra") == "forbid"
