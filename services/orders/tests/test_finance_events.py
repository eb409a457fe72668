"""Finance's events moving orders, delivered through the consumer's inbox path (no broker
wait): every event-driven step of the table, what each event does in every other status,
partial amounts, red letters, out-of-order arrival, duplicates and conflicts.
(test_finance_broker.py runs the same handlers over the real broker.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from orders.order import feedback
from orders.order.lifecycle import TRANSITIONS, Trigger
from shared_schemas import OrderStatus, RedInvoiceReason

S = OrderStatus
FULL = 10_000  # the test orders' amount, 100.00, in fen

# Each event-driven step of the table: the direction, amounts to arrange, and the event.
EVENT_STEPS: dict[tuple[OrderStatus, OrderStatus], tuple[str, dict[str, int], str]] = {
    (S.reconciled, S.invoice_applied): ("receivable", {}, "applied"),
    (S.invoice_applied, S.reconciled): ("receivable", {}, "rejected"),
    (S.invoice_applied, S.invoiced): ("receivable", {}, "issued"),
    (S.invoiced, S.reconciled): ("receivable", {"invoiced_fen": FULL}, "reversed"),
    (S.invoiced, S.settled): ("receivable", {"invoiced_fen": FULL}, "allocated"),
    (S.reconciled, S.settled): ("payable", {}, "paid"),
}
ACTORS = {
    "applied": "fin-applicant",
    "rejected": "fin-reviewer",
    "issued": "fin-invoicer",
    "reversed": "fin-invoicer",
    "allocated": "fin-cashier",
    "paid": "fin-cashier",
}


def test_every_event_driven_step_of_the_table_is_covered() -> None:
    # The settlement list's own steps (listed, and closed by its money) are walked in
    # test_settlement_lists.py.
    own = {Trigger.listed, Trigger.list_settled}
    assert set(EVENT_STEPS) == {
        (t.source, t.target) for t in TRANSITIONS if not t.manual and t.trigger not in own
    }


@pytest.mark.parametrize("step", list(EVENT_STEPS), ids=lambda s: f"{s[0]}->{s[1]}")
async def test_each_event_driven_step(
    step: tuple[OrderStatus, OrderStatus], api: Any, finance: Any, db: Any
) -> None:
    source, target = step
    direction, amounts, kind = EVENT_STEPS[step]
    order = await api.create(direction=direction)
    await db.force_status(order["id"], source.value, **amounts)
    event = getattr(finance, kind)([(order["id"], "100.00")])

    await finance.deliver(event)

    moved = await api.get(order["id"])
    assert moved["status"] == target
    last = moved["trajectory"][-1]
    assert (last["from_status"], last["to_status"], last["by"], last["cause"]) == (
        source,
        target,
        ACTORS[kind],
        str(event.event_id),
    )
    [record] = moved["finance_records"]
    assert (record["event_type"], record["outcome"], record["amount"]) == (
        event.event_type,
        "moved",
        "100.00",
    )
    [published] = await db.status_events(order["id"])
    assert published["causation_id"] == str(event.event_id)
    assert published["payload"]["changed_by"] == ACTORS[kind]


# What each event (for the whole 100.00) does to a receivable order arranged in each status
# with consistent amounts; `moved` only where the table has the step. A second full invoice or
# receipt for an invoiced or settled order is more than the order's amount: a conflict.
KINDS = ["applied", "rejected", "issued", "reversed", "allocated"]
OUTCOMES: dict[OrderStatus, tuple[str, ...]] = {
    #                  applied     rejected    issued      reversed    allocated
    S.created: ("conflict", "conflict", "conflict", "conflict", "conflict"),
    S.reconciled: ("moved", "stale", "recorded", "conflict", "recorded"),
    S.invoice_applied: ("stale", "moved", "moved", "conflict", "recorded"),
    S.invoiced: ("stale", "stale", "conflict", "moved", "moved"),
    S.settled: ("stale", "stale", "conflict", "recorded", "conflict"),
    S.closed: ("stale", "stale", "conflict", "conflict", "conflict"),
    S.cancelled: ("conflict", "conflict", "conflict", "conflict", "conflict"),
}
ARRANGED = {
    S.invoiced: {"invoiced_fen": FULL},
    S.settled: {"invoiced_fen": FULL, "settled_fen": FULL},
    S.closed: {"invoiced_fen": FULL, "settled_fen": FULL},
}


@pytest.mark.parametrize("status", OrderStatus, ids=str)
async def test_what_each_event_does_in_each_status(
    status: OrderStatus, api: Any, finance: Any, db: Any
) -> None:
    for kind, expected in zip(KINDS, OUTCOMES[status], strict=True):
        order = await api.create()
        await db.force_status(order["id"], status.value, **ARRANGED.get(status, {}))

        await finance.deliver(getattr(finance, kind)([(order["id"], "100.00")]))

        after = await api.get(order["id"])
        [record] = after["finance_records"]
        assert record["outcome"] == expected, (status, kind, record)
        if expected != "moved":
            # No step: the status and trajectory are untouched, no event went out.
            assert after["status"] == status, (status, kind)
            assert len(after["trajectory"]) == 1
            assert await db.status_events(order["id"]) == []


async def test_partial_settlement_keeps_the_order_invoiced_until_fully_received(
    api: Any, finance: Any
) -> None:
    one = await api.reconciled(amount="100.00")
    two = await api.reconciled(amount="0.10")
    both = [(one["id"], "100.00"), (two["id"], "0.10")]
    await finance.deliver(finance.applied(both), finance.issued(both))
    assert [(await api.get(o["id"]))["status"] for o in (one, two)] == ["invoiced", "invoiced"]

    await finance.deliver(finance.allocated([(one["id"], "40.00"), (two["id"], "0.10")]))
    partly = await api.get(one["id"])
    assert (partly["status"], partly["settled_amount"], partly["settled_at"]) == (
        "invoiced",
        "40.00",
        None,
    )
    assert partly["finance_records"][-1]["outcome"] == "recorded"
    assert "settled 40.00 of 100.00" in partly["finance_records"][-1]["note"]
    assert (await api.get(two["id"]))["status"] == "settled"

    await finance.deliver(finance.allocated([(one["id"], "60.00")]))
    settled = await api.get(one["id"])
    assert (settled["status"], settled["settled_amount"]) == ("settled", "100.00")
    assert settled["settled_at"] is not None and settled["invoiced_at"] is not None
    assert [s["to_status"] for s in settled["trajectory"]] == [
        "created",
        "reconciled",
        "invoice_applied",
        "invoiced",
        "settled",
    ]


async def test_many_small_receipts_settle_exactly(api: Any, finance: Any) -> None:
    order = await api.reconciled(amount="1.00")
    await finance.deliver(
        finance.applied([(order["id"], "1.00")]), finance.issued([(order["id"], "1.00")])
    )
    cents = [finance.allocated([(order["id"], "0.01")]) for _ in range(100)]

    await finance.deliver(*cents[:99])  # one batch, one transaction
    assert (await api.get(order["id"]))["settled_amount"] == "0.99"
    await finance.deliver(cents[99])

    done = await api.get(order["id"])
    assert (done["status"], done["settled_amount"]) == ("settled", "1.00")
    assert done["trajectory"][-1]["cause"] == str(cents[99].event_id)


async def test_a_full_red_letter_sends_the_order_back_to_be_invoiced_again(
    api: Any, finance: Any
) -> None:
    order = await api.reconciled()
    share = [(order["id"], "100.00")]
    await finance.deliver(finance.applied(share), finance.issued(share))
    assert (await api.get(order["id"]))["invoiced_at"] is not None

    red = finance.reversed(share, RedInvoiceReason.invoice_error)
    await finance.deliver(red)
    back = await api.get(order["id"])
    assert (back["status"], back["invoiced_amount"], back["invoiced_at"]) == (
        "reconciled",
        "0.00",
        None,
    )
    assert back["trajectory"][-1]["cause"] == str(red.event_id)
    assert "开票有误" in back["trajectory"][-1]["note"]
    assert back["finance_records"][-1]["reason"] == "invoice_error"

    await finance.deliver(finance.applied(share), finance.issued(share))
    again = await api.get(order["id"])
    assert (again["status"], again["invoiced_amount"]) == ("invoiced", "100.00")


async def test_a_partial_red_letter_lowers_what_is_due(api: Any, finance: Any) -> None:
    order = await api.reconciled()
    share = [(order["id"], "100.00")]
    await finance.deliver(finance.applied(share), finance.issued(share))

    await finance.deliver(
        finance.reversed([(order["id"], "10.00")], RedInvoiceReason.sales_allowance)
    )
    discounted = await api.get(order["id"])
    assert (discounted["status"], discounted["invoiced_amount"]) == ("invoiced", "90.00")

    await finance.deliver(finance.allocated([(order["id"], "90.00")]))
    assert (await api.get(order["id"]))["status"] == "settled"


async def test_events_out_of_order_converge_on_the_status_the_money_says(
    api: Any, finance: Any
) -> None:
    order = await api.reconciled()
    share = [(order["id"], "100.00")]
    applied, issued, received = (
        finance.applied(share),
        finance.issued(share),
        finance.allocated(share),
    )

    # Settlement and invoice topics are consumed independently: the receipt and the invoice
    # may both be handled before the application.
    await finance.deliver(received)
    await finance.deliver(issued)
    waiting = await api.get(order["id"])
    assert (waiting["status"], waiting["invoiced_amount"], waiting["settled_amount"]) == (
        "reconciled",
        "100.00",
        "100.00",
    )
    assert [r["outcome"] for r in waiting["finance_records"]] == ["recorded", "recorded"]

    await finance.deliver(applied)
    caught_up = await api.get(order["id"])
    assert caught_up["status"] == "settled"
    steps = [(s["to_status"], s["cause"]) for s in caught_up["trajectory"][2:]]
    assert steps == [
        ("invoice_applied", str(applied.event_id)),
        ("invoiced", str(applied.event_id)),
        ("settled", str(applied.event_id)),
    ]


async def test_an_invoice_arriving_for_a_settled_order_changes_no_status(
    api: Any, finance: Any, caplog: pytest.LogCaptureFixture
) -> None:
    order = await api.reconciled()
    share = [(order["id"], "100.00")]
    issued = finance.issued(share)
    await finance.deliver(finance.applied(share), issued, finance.allocated(share))
    assert (await api.get(order["id"]))["status"] == "settled"

    with caplog.at_level(logging.INFO, logger="orders.feedback"):
        # The same invoice announced late (again, under a new event id): a no-op, logged.
        await finance.deliver(finance.issued(share, invoice_id=issued.payload.invoice_id))
        # Corrected after settlement: reversed and issued anew; the order stays settled.
        await finance.deliver(finance.reversed(share), finance.issued(share))

    after = await api.get(order["id"])
    assert (after["status"], after["invoiced_amount"], len(after["trajectory"])) == (
        "settled",
        "100.00",
        5,
    )
    assert [r["outcome"] for r in after["finance_records"][3:]] == ["recorded", "recorded"]
    assert any("already recorded" in r.message for r in caplog.records)
    assert any("settled unchanged" in r.message for r in caplog.records)


async def test_duplicates_count_once_by_event_id_and_by_document(
    api: Any, finance: Any, caplog: pytest.LogCaptureFixture
) -> None:
    order = await api.reconciled()
    share = [(order["id"], "100.00")]
    await finance.deliver(finance.applied(share))
    issued = finance.issued(share)

    await finance.deliver(issued, issued)  # twice in one batch
    await finance.deliver(issued)  # and again later: the inbox drops it
    # The same invoice announced again under a new event id: ignored by document.
    again = finance.issued(share, invoice_id=issued.payload.invoice_id)
    with caplog.at_level(logging.INFO, logger="orders.feedback"):
        await finance.deliver(again)

    after = await api.get(order["id"])
    assert after["invoiced_amount"] == "100.00"
    assert [r["event_type"] for r in after["finance_records"]] == [
        "finance.invoice.applied",
        "finance.invoice.issued",
    ]
    assert any("already recorded" in r.message for r in caplog.records)


async def test_a_conflict_is_recorded_for_a_person_and_never_dead_lettered(
    api: Any, finance: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cancelled = await api.create()
    assert (await api.move(cancelled["id"], "cancelled")).status_code == 200
    live = await api.reconciled()
    unknown = "00000000-0000-4000-8000-000000000000"
    share = [(cancelled["id"], "100.00"), (live["id"], "100.00"), (unknown, "1.00")]

    with caplog.at_level(logging.INFO, logger="orders.feedback"):
        await finance.deliver(finance.applied(share))

    gone = await api.get(cancelled["id"])
    assert gone["status"] == "cancelled"
    [record] = gone["finance_records"]
    assert record["outcome"] == "conflict"
    assert "cannot happen" in record["note"]
    # The other orders of the same application moved on; the unknown one was skipped.
    assert (await api.get(live["id"]))["status"] == "invoice_applied"
    levels = {r.levelname for r in caplog.records if "conflict" in r.message}
    assert levels == {"WARNING"}
    assert any(unknown in r.message and r.levelname == "ERROR" for r in caplog.records)


async def test_payable_orders_settle_when_paid_and_refuse_invoices(api: Any, finance: Any) -> None:
    payout = await api.reconciled(category="merchant_payout", direction="payable", amount="45.50")
    await finance.deliver(finance.paid([(payout["id"], "20.00")]))
    assert (await api.get(payout["id"]))["status"] == "reconciled"
    await finance.deliver(finance.paid([(payout["id"], "25.50")]))
    paid = await api.get(payout["id"])
    assert (paid["status"], paid["settled_amount"]) == ("settled", "45.50")

    invoice = finance.issued([(payout["id"], "45.50")])
    await finance.deliver(invoice)
    refused = await api.get(payout["id"])
    assert (refused["invoiced_amount"], refused["finance_records"][-1]["outcome"]) == (
        "0.00",
        "conflict",
    )
    receivable = await api.reconciled()
    await finance.deliver(finance.paid([(receivable["id"], "100.00")]))
    not_counted = await api.get(receivable["id"])
    assert (not_counted["status"], not_counted["settled_amount"]) == ("reconciled", "0.00")
    assert "not counted" in not_counted["finance_records"][0]["note"]


async def test_a_handler_failing_midway_writes_nothing_and_dead_letters(
    api: Any,
    finance: Any,
    read_topic: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await api.reconciled()
    second = await api.reconciled()
    share = sorted([(first["id"], "100.00"), (second["id"], "100.00")])
    # The subscribed batch path (FinanceBatch), also when the consumer redoes the event alone.
    original = feedback.FinanceBatch.apply_to

    def fail_on_second(self: Any, order: Any, report: Any, fen: int) -> Any:
        if str(order.id) == share[1][0]:
            raise RuntimeError("database went away")
        return original(self, order, report, fen)

    monkeypatch.setattr(feedback.FinanceBatch, "apply_to", fail_on_second)
    applied = finance.applied(share)
    await finance.deliver(applied)
    monkeypatch.undo()

    for order in (first, second):  # the first order's step was rolled back with the second's
        after = await api.get(order["id"])
        assert (after["status"], after["finance_records"], len(after["trajectory"])) == (
            "reconciled",
            [],
            2,
        )
    [(_, letter)] = await read_topic(
        "finance.invoice.dlq", lambda e: e["event_id"] == str(applied.event_id), want=1
    )
    assert letter["payload"]["application_no"] == applied.payload.application_no


async def test_money_reported_before_reconciliation_takes_effect_when_reconciled(
    api: Any, finance: Any
) -> None:
    payout = await api.create(category="promoter_payout", direction="payable", amount="88.00")
    await finance.deliver(finance.paid([(payout["id"], "88.00")]))
    early = await api.get(payout["id"])
    assert (early["status"], early["finance_records"][0]["outcome"]) == ("created", "conflict")

    response = await api.move(payout["id"], "reconciled")

    assert response.status_code == 200
    steps = response.json()["trajectory"]
    assert [(s["to_status"], s["by"]) for s in steps] == [
        ("created", "clerk-a"),
        ("reconciled", "clerk-a"),
        ("settled", "clerk-a"),
    ]
    assert steps[1]["cause"] == steps[2]["cause"] == response.headers["x-request-id"]
