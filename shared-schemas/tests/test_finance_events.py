"""finance's v1 contracts: shares of orders that add up exactly, red-letter reasons, topics."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from shared_schemas import (
    EventPayload,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    Money,
    OrderShare,
    ReceiptAllocatedV1,
    RedInvoiceReason,
    parse,
    topic_for,
)


def _issued(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "invoice_id": uuid.uuid4(),
        "invoice_no": "04400012345678",
        "application_id": uuid.uuid4(),
        "amount": {"amount": "100.10"},
        "orders": [
            {"order_id": str(uuid.uuid4()), "amount": {"amount": "100.00"}},
            {"order_id": str(uuid.uuid4()), "amount": {"amount": "0.10"}},
        ],
        "issued_by": "finance",
    }
    fields.update(overrides)
    return fields


def test_topics_follow_the_aggregates() -> None:
    assert topic_for("finance.invoice.applied") == "finance.invoice"
    assert topic_for("finance.invoice.issued") == "finance.invoice"
    assert topic_for("finance.invoice.rejected") == "finance.invoice"
    assert topic_for("finance.invoice.reversed") == "finance.invoice"
    assert topic_for("finance.receipt.allocated") == "finance.receipt"
    assert topic_for("finance.payment.made") == "finance.payment"


def test_one_invoice_covers_several_orders() -> None:
    issued = InvoiceIssuedV1.model_validate(_issued())
    assert [s.amount for s in issued.orders] == [Money(amount="100.00"), Money(amount="0.10")]
    assert json.loads(issued.model_dump_json())["amount"] == {"amount": "100.10", "currency": "CNY"}


def test_shares_must_add_up_to_the_amount_exactly() -> None:
    with pytest.raises(ValidationError, match=r"add up to 100\.10 CNY, not to amount 100\.11"):
        InvoiceIssuedV1.model_validate(_issued(amount={"amount": "100.11"}))


def test_many_small_shares_sum_exactly() -> None:
    # 1000 × 0.01 is 9.99999… in floats; the contract must see exactly 10.00.
    shares = [{"order_id": str(uuid.uuid4()), "amount": {"amount": "0.01"}} for _ in range(1000)]
    allocated = ReceiptAllocatedV1(
        allocation_id=uuid.uuid4(),
        receipt_id=uuid.uuid4(),
        receipt_no="BS-1",
        amount=Money(amount="10.00"),
        orders=shares,  # type: ignore[arg-type]
        allocated_by="finance",
    )
    assert len(allocated.orders) == 1000


@pytest.mark.parametrize("bad", ["0.00", "-5.00"])
def test_a_share_must_be_positive(bad: str) -> None:
    with pytest.raises(ValidationError, match="positive"):
        OrderShare(order_id=uuid.uuid4(), amount=Money(amount=bad))


def test_an_order_appears_once_and_at_least_one_order_is_named() -> None:
    order_id = str(uuid.uuid4())
    twice = [
        {"order_id": order_id, "amount": {"amount": "1.00"}},
        {"order_id": order_id, "amount": {"amount": "2.00"}},
    ]
    with pytest.raises(ValidationError, match="more than once"):
        InvoiceIssuedV1.model_validate(_issued(amount={"amount": "3.00"}, orders=twice))
    with pytest.raises(ValidationError, match="at least 1 item"):
        InvoiceIssuedV1.model_validate(_issued(amount={"amount": "0.00"}, orders=[]))


def test_float_share_is_refused() -> None:
    shares = [{"order_id": str(uuid.uuid4()), "amount": {"amount": 100.1}}]
    with pytest.raises(ValidationError, match="float"):
        InvoiceIssuedV1.model_validate(_issued(amount={"amount": "100.10"}, orders=shares))


def test_red_letter_reasons_are_the_four_of_the_tax_rules(samples: dict[str, EventPayload]) -> None:
    reversed_ = samples["finance.invoice.reversed"]
    assert isinstance(reversed_, InvoiceReversedV1)
    assert [r.label_zh for r in RedInvoiceReason] == [
        "开票有误",
        "销货退回",
        "服务终止",
        "销售折让",
    ]
    raw = reversed_.model_dump(mode="json")
    with pytest.raises(ValidationError):
        InvoiceReversedV1.model_validate({**raw, "reason": "changed_my_mind"})
    assert InvoiceReversedV1.model_validate({**raw, "reason": "sales_return"}).reason == (
        RedInvoiceReason.sales_return
    )


def test_rejection_says_whether_it_was_withdrawn(samples: dict[str, EventPayload]) -> None:
    rejected = samples["finance.invoice.rejected"]
    assert isinstance(rejected, InvoiceRejectedV1)
    assert rejected.withdrawn is False
    assert json.loads(rejected.model_dump_json())["withdrawn"] is False
    raw = rejected.model_dump(mode="json")
    with pytest.raises(ValidationError):
        InvoiceRejectedV1.model_validate({**raw, "reason": ""})


def test_an_unannounced_field_is_refused_on_the_wire(samples: dict[str, EventPayload]) -> None:
    payload = samples["finance.payment.made"]
    raw = {
        "event_type": "finance.payment.made",
        "version": 1,
        "occurred_at": "2025-01-11T02:00:00Z",
        "producer": "finance",
        "aggregate_id": "p-1",
        "payload": {**payload.model_dump(mode="json"), "bank": "ICBC"},
    }
    with pytest.raises(ValidationError, match="extra"):
        parse(json.dumps(raw))
