"""The order-request seam's contracts: one request model under three producers' event types,
the order center's rejection, and insurance's policy issued."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared_schemas import (
    EventPayload,
    EventRegistry,
    EventSpec,
    InsuranceLine,
    Money,
    OrderRequestRejectedV1,
    OrderRequestSubmittedV1,
    PolicyIssuedV1,
    SharedEventPayload,
    default_registry,
    new_event,
    parse,
    topic_for,
)
from shared_schemas.registry import DuplicateEventSpec

SOURCES = ["insurance", "risk", "valueadd"]
ORG = "22222222-2222-4222-8222-222222222222"


def _request(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source_service": "valueadd",
        "source_ref": "redemption-1",
        "category": "value_added_redemption",
        "direction": "receivable",
        "customer_org_id": ORG,
        "amount": {"amount": "300.75"},
        "lines": [
            {
                "description": "洗车",
                "quantity": "3",
                "unit_price": {"amount": "100.25"},
                "amount": {"amount": "300.75"},
            }
        ],
        "requested_by": "user-7",
    }
    fields.update(overrides)
    return fields


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[Any, ...]]:
    return [e["loc"] for e in exc.value.errors()]


@pytest.mark.parametrize("source", SOURCES)
def test_each_service_requests_on_its_own_topic(
    source: str, samples: dict[str, EventPayload]
) -> None:
    event_type = f"{source}.order_request.submitted"
    assert topic_for(event_type) == f"{source}.order_request"
    payload = samples[event_type]
    assert isinstance(payload, OrderRequestSubmittedV1)
    event = new_event(event_type, payload, producer=source, aggregate_id=payload.source_ref)
    parsed = parse(event.model_dump_json())
    assert type(parsed.payload) is OrderRequestSubmittedV1
    assert parsed.payload == payload
    assert parsed.event_type == event_type
    wire = json.loads(event.model_dump_json())["payload"]
    assert wire["amount"] == {"amount": "301.00", "currency": "CNY"}
    assert wire["lines"][1]["quantity"] == "1.5"
    assert wire["counterparty"] == {"kind": "org", "id": ORG, "name": "某保险公司"}


def test_a_service_cannot_publish_under_another_services_type(
    samples: dict[str, EventPayload],
) -> None:
    payload = samples["valueadd.order_request.submitted"]
    with pytest.raises(ValueError, match=r"travels as valueadd\.order_request\.submitted"):
        new_event("risk.order_request.submitted", payload, producer="risk", aggregate_id="a")
    spec = default_registry.spec("insurance.order_request.submitted", 1)
    with pytest.raises(ValueError, match=r"not insurance\.order_request\.submitted"):
        new_event(spec, payload, producer="insurance", aggregate_id="a")


def test_the_shared_model_has_no_single_line() -> None:
    assert issubclass(OrderRequestSubmittedV1, SharedEventPayload)
    specs = default_registry.specs_for_payload(OrderRequestSubmittedV1)
    assert [s.event_type for s in specs] == [f"{s}.order_request.submitted" for s in SOURCES]
    with pytest.raises(TypeError, match="name the event type"):
        default_registry.spec_for_payload(OrderRequestSubmittedV1)
    # Only a shared payload may take a second event type, and never a second version of one.
    registry = EventRegistry(specs)
    with pytest.raises(DuplicateEventSpec):
        registry.register(
            EventSpec(
                "risk.order_request",
                "risk.order_request.submitted",
                2,
                OrderRequestSubmittedV1,
                "again",
            )
        )
    registry.register(EventSpec("risk.policy", "risk.policy.issued", 1, PolicyIssuedV1, "p"))
    with pytest.raises(DuplicateEventSpec):
        registry.register(
            EventSpec("valueadd.policy", "valueadd.policy.issued", 1, PolicyIssuedV1, "p")
        )


def test_amount_may_be_given_without_lines() -> None:
    request = OrderRequestSubmittedV1.model_validate(
        _request(lines=None, amount={"amount": "12.30"}, sign_date="2025-01-31")
    )
    assert request.amount == Money(amount="12.30")
    assert request.sign_date == date(2025, 1, 31)
    assert request.counterparty is None and request.extension is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": {"amount": "300.76"}}, "the lines add up to 300.75, not to amount 300.76"),
        ({"amount": {"amount": "0"}, "lines": None}, "must be positive"),
        ({"amount": {"amount": "-5.00"}, "lines": None}, "must be positive"),
        ({"amount": {"amount": "10000000000.00"}, "lines": None}, "must not exceed"),
        ({"amount": {"amount": 1.5}, "lines": None}, "float amounts are not accepted"),
        ({"source_service": "finance"}, "source_service"),
        ({"source_service": "Valueadd"}, "source_service"),
        ({"source_ref": ""}, "source_ref"),
        ({"source_ref": "   "}, "must not be blank"),
        ({"source_ref": "x" * 121}, "source_ref"),
        ({"source_no": ""}, "source_no"),
        ({"requested_by": " "}, "must not be blank"),
        ({"requested_by": "u" * 121}, "requested_by"),
        ({"tax_rate": "1"}, "tax_rate"),
        ({"tax_rate": 0.06}, "tax_rate"),
        ({"tax_rate": "0.00001"}, "tax_rate"),
        ({"lines": []}, "lines"),
        ({"direction": "payable"}, "names its payee in counterparty"),
        ({"category": "unknown"}, "category"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_refusals(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OrderRequestSubmittedV1.model_validate(_request(**overrides))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"amount": {"amount": "300.74"}}, "quantity × unit_price is 300.75, not amount 300.74"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": 3.0}, "not a float"),
        ({"quantity": "1.0005"}, "quantity"),
        ({"unit_price": {"amount": "-1.00"}}, "must not be negative"),
        ({"description": ""}, "description"),
        ({"description": "d" * 201}, "description"),
        ({"ref": ""}, "ref"),
    ],
)
def test_line_refusals(line: dict[str, Any], message: str) -> None:
    base = _request()["lines"][0]
    with pytest.raises(ValidationError, match=message) as exc:
        OrderRequestSubmittedV1.model_validate(_request(lines=[{**base, **line}]))
    assert all(loc[0] == "lines" for loc in _errors(exc))


def test_line_amount_is_rounded_half_up_to_the_fen() -> None:
    line = {
        "description": "按时计费",
        "quantity": "0.333",
        "unit_price": {"amount": "10.00"},
        "amount": {"amount": "3.33"},
    }
    request = OrderRequestSubmittedV1.model_validate(
        _request(lines=[line, {**line, "quantity": "0.335", "amount": {"amount": "3.35"}}],
                 amount={"amount": "6.68"})
    )  # fmt: skip
    assert sum((x.amount.amount for x in request.lines or []), Decimal(0)) == Decimal("6.68")


@pytest.mark.parametrize(
    "counterparty",
    [
        {"kind": "merchant", "id": "m-1", "name": "某商户"},
        {"kind": "org", "id": "", "name": "某商户"},
        {"kind": "person", "id": "user-1", "name": " "},
        {"kind": "person", "id": "user-1"},
    ],
)
def test_counterparty_refusals(counterparty: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        OrderRequestSubmittedV1.model_validate(
            _request(direction="payable", counterparty=counterparty)
        )
    assert all(loc[0] == "counterparty" for loc in _errors(exc))


def test_rejection_names_the_request_and_a_stable_code(samples: dict[str, EventPayload]) -> None:
    assert topic_for("orders.order_request.rejected") == "orders.order_request"
    rejected = samples["orders.order_request.rejected"]
    assert isinstance(rejected, OrderRequestRejectedV1)
    for bad in ({"code": "Org Not Visible"}, {"code": ""}, {"reason": ""}, {"source_ref": ""}):
        with pytest.raises(ValidationError):
            OrderRequestRejectedV1.model_validate({**rejected.model_dump(), **bad})


def test_policy_issued(samples: dict[str, EventPayload]) -> None:
    assert topic_for("insurance.policy.issued") == "insurance.policy"
    policy = samples["insurance.policy.issued"]
    assert isinstance(policy, PolicyIssuedV1)
    assert policy.line.label_zh == "商业险"
    assert [m.label_zh for m in InsuranceLine] == ["商业险", "交强险", "非车险", "寿险"]
    wire = policy.model_dump(mode="json")
    assert wire["premium"] == {"amount": "3456.78", "currency": "CNY"}
    assert wire["issued_at"] == "2025-01-01T02:30:00Z"
    # A life policy carries no vehicle.
    life = PolicyIssuedV1.model_validate(
        {**wire, "line": "life", "vehicle_vin": None, "plate_no": None}
    )
    assert life.line is InsuranceLine.life
    assert life.policy_id == UUID("abababab-abab-4bab-8bab-abababababab")


@pytest.mark.parametrize(
    "bad",
    [
        {"customer_mobile_masked": "13800001234"},
        {"vehicle_vin": "LSVAM4187C218484"},
        {"vehicle_vin": "LSVAM4187C218484I"},
        {"region_code": "4403"},
        {"premium": {"amount": "0.00"}},
        {"ends_on": "2024-12-31"},
        {"issued_at": "2025-01-01T02:30:00"},
        {"line": "car"},
        {"policy_no": ""},
    ],
)
def test_policy_refusals(bad: dict[str, Any], samples: dict[str, EventPayload]) -> None:
    wire = samples["insurance.policy.issued"].model_dump(mode="json")
    with pytest.raises(ValidationError):
        PolicyIssuedV1.model_validate({**wire, **bad})
