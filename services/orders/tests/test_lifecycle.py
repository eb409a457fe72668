"""The transition table itself (pure: no database), every (from, to) pair of statuses."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orders.order import lifecycle
from orders.order.lifecycle import TRANSITIONS, Amounts, Outcome, Trigger
from orders.subscriptions import subscriptions
from shared_schemas import OrderDirection, OrderStatus, topic_for

S = OrderStatus
PAIRS = list(itertools.product(OrderStatus, OrderStatus))
MANUAL = {(t.source, t.target): t for t in TRANSITIONS if t.manual}
REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: str(s))
def test_a_step_by_hand_exists_exactly_where_the_table_has_one(
    source: OrderStatus, target: OrderStatus
) -> None:
    step = lifecycle.manual(source, target)
    assert (step is not None) == ((source, target) in MANUAL)
    assert (target in lifecycle.manual_targets(source)) == ((source, target) in MANUAL)
    if step is not None:
        assert step.function == lifecycle.function_to(target)


def test_the_main_path_and_its_exits() -> None:
    assert {(t.source, t.target) for t in TRANSITIONS} == {
        (S.created, S.reconciled),
        (S.created, S.cancelled),
        (S.reconciled, S.cancelled),
        (S.reconciled, S.invoice_applied),
        (S.invoice_applied, S.reconciled),
        (S.invoice_applied, S.invoiced),
        (S.invoiced, S.reconciled),
        (S.invoiced, S.settled),
        (S.reconciled, S.settled),
        (S.settled, S.closed),
    }
    assert lifecycle.transitions_from(S.closed) == ()
    assert lifecycle.transitions_from(S.cancelled) == ()
    # An order with an open invoice application cannot be cancelled until finance lets go of it.
    assert lifecycle.manual_targets(S.invoice_applied) == []


def test_functions_by_target() -> None:
    assert lifecycle.function_to(S.reconciled) == "orders.order.reconcile"
    assert lifecycle.function_to(S.cancelled) == "orders.order.cancel"
    assert lifecycle.function_to(S.closed) == "orders.order.close"
    for target in (S.created, S.invoice_applied, S.invoiced, S.settled):
        assert lifecycle.function_to(target) is None


ANNOUNCED = [Trigger.invoice_applied, Trigger.invoice_rejected]
EXPECTED_FIT = {
    # status: (invoice_applied, invoice_rejected) for a receivable order
    S.created: (Outcome.conflict, Outcome.conflict),
    S.reconciled: (Outcome.moved, Outcome.stale),
    S.invoice_applied: (Outcome.stale, Outcome.moved),
    S.invoiced: (Outcome.stale, Outcome.stale),
    S.settled: (Outcome.stale, Outcome.stale),
    S.closed: (Outcome.stale, Outcome.stale),
    S.cancelled: (Outcome.conflict, Outcome.conflict),
}


@pytest.mark.parametrize("status", OrderStatus)
@pytest.mark.parametrize("trigger", ANNOUNCED)
def test_steps_finance_announces(status: OrderStatus, trigger: Trigger) -> None:
    outcome, step = lifecycle.announced(status, trigger, OrderDirection.receivable)
    assert outcome == EXPECTED_FIT[status][ANNOUNCED.index(trigger)]
    assert (step is not None) == (outcome is Outcome.moved)
    # Payable orders are never invoiced: an application for one cannot move it.
    payable, _ = lifecycle.announced(status, trigger, OrderDirection.payable)
    assert payable is not Outcome.moved


def _amounts(direction: str = "receivable", amount: int = 10_000, **fen: int) -> Amounts:
    return Amounts(
        direction=OrderDirection(direction),
        amount_fen=amount,
        invoiced_fen=fen.get("invoiced", 0),
        settled_fen=fen.get("settled", 0),
    )


@pytest.mark.parametrize(
    ("status", "amounts", "target"),
    [
        (S.invoice_applied, _amounts(invoiced=10_000), S.invoiced),
        (S.invoice_applied, _amounts(invoiced=9_999), None),  # partly invoiced
        (S.invoiced, _amounts(invoiced=10_000, settled=10_000), S.settled),
        (S.invoiced, _amounts(invoiced=10_000, settled=9_999), None),  # partly settled
        (S.invoiced, _amounts(invoiced=9_000, settled=9_000), S.settled),  # 销售折让 lowered it
        (S.invoiced, _amounts(invoiced=0, settled=0), S.reconciled),  # reversed in full
        (S.reconciled, _amounts(settled=10_000), None),  # receivable: received before invoicing
        (S.reconciled, _amounts("payable", settled=10_000), S.settled),
        (S.reconciled, _amounts("payable", settled=9_999), None),
        (S.created, _amounts("payable", settled=10_000), None),  # nobody reconciled it
        (S.settled, _amounts(invoiced=0, settled=10_000), None),  # settled stays settled
        (S.closed, _amounts(), None),
        (S.cancelled, _amounts(invoiced=10_000), None),
    ],
)
def test_steps_the_amounts_call_for(
    status: OrderStatus, amounts: Amounts, target: OrderStatus | None
) -> None:
    step = lifecycle.automatic(status, amounts)
    assert (step.target if step else None) == target


def test_money_is_expected_only_between_reconciled_and_settled() -> None:
    assert [s for s in OrderStatus if not lifecycle.money_expected(s)] == [
        S.created,
        S.closed,
        S.cancelled,
    ]


def test_milestone_dates_are_set_on_arrival_and_cleared_on_the_way_back() -> None:
    at = datetime(2026, 11, 25, tzinfo=UTC)
    assert lifecycle.milestone_updates(S.invoiced, at) == {"invoiced_at": at, "settled_at": None}
    assert lifecycle.milestone_updates(S.settled, at) == {"settled_at": at}
    assert lifecycle.milestone_updates(S.reconciled, at) == {
        "invoiced_at": None,
        "settled_at": None,
    }
    assert lifecycle.milestone_updates(S.closed, at) == {}
    assert lifecycle.milestone_updates(S.cancelled, at) == {}


@pytest.mark.parametrize(
    "doc", ["services/orders/README.md", "docs/order-lifecycle.md"], ids=lambda p: p
)
def test_the_documented_diagram_is_the_table(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.S)
    assert lifecycle.mermaid() in blocks, (
        f"regenerate the diagram in {doc} from lifecycle.mermaid()"
    )


def test_subscriptions_use_the_registered_topics() -> None:
    assert not subscriptions.handlers  # all of them go to the batch handler
    for topic, handlers in subscriptions.batch_handlers.items():
        for event_type in handlers:
            assert topic_for(event_type) == topic
    assert sorted(t for h in subscriptions.batch_handlers.values() for t in h) == [
        "finance.invoice.applied",
        "finance.invoice.issued",
        "finance.invoice.rejected",
        "finance.invoice.reversed",
        "finance.payment.made",
        "finance.receipt.allocated",
        "insurance.order_request.submitted",
        "risk.order_request.submitted",
        "valueadd.order_request.submitted",
    ]
