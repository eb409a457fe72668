"""Over the real broker: finance publishes, the orders move in real time, and each step goes
out as orders.order.status_changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest


@pytest.mark.consumes_events
async def test_finance_events_move_orders_and_each_step_is_published(
    api: Any,
    finance: Any,
    wait_until: Callable[..., Awaitable[None]],
    read_topic: Callable[..., Awaitable[list[tuple[str, dict[str, Any]]]]],
) -> None:
    one = await api.reconciled(amount="100.00")
    two = await api.reconciled(amount="50.10")
    both = [(one["id"], "100.00"), (two["id"], "50.10")]
    applied = finance.applied(both)
    issued = finance.issued(both, application_id=applied.payload.application_id)
    part = finance.allocated([(one["id"], "40.00"), (two["id"], "50.10")])
    rest = finance.allocated([(one["id"], "60.00")])

    await finance.publish(applied, issued, part)

    async def statuses(*wanted: str) -> bool:
        return [(await api.get(o["id"]))["status"] for o in (one, two)] == list(wanted)

    await wait_until(lambda: statuses("invoiced", "settled"))
    partly = await api.get(one["id"])
    assert (partly["settled_amount"], partly["invoiced_amount"]) == ("40.00", "100.00")

    await finance.publish(rest)
    await wait_until(lambda: statuses("settled", "settled"))

    causes = {str(e.event_id) for e in (applied, issued, part, rest)}
    settled = await api.get(one["id"])
    assert [s["to_status"] for s in settled["trajectory"]] == [
        "created",
        "reconciled",
        "invoice_applied",
        "invoiced",
        "settled",
    ]
    assert {s["cause"] for s in settled["trajectory"][2:]} <= causes
    assert settled["trajectory"][-1]["cause"] == str(rest.event_id)
    assert {s["by"] for s in settled["trajectory"][2:]} == {
        "fin-applicant",
        "fin-invoicer",
        "fin-cashier",
    }

    keyed = await read_topic(
        "orders.order",
        lambda e: (
            e["aggregate_id"] == one["id"] and e["event_type"] == "orders.order.status_changed"
        ),
        want=4,
    )
    assert {key for key, _ in keyed} == {one["id"]}  # one key: the order's steps stay in order
    published = [event for _, event in keyed]
    assert [e["payload"]["to_status"] for e in published] == [
        "reconciled",
        "invoice_applied",
        "invoiced",
        "settled",
    ]
    assert [e["causation_id"] for e in published[1:]] == [
        s["cause"] for s in settled["trajectory"][2:]
    ]
    assert all(e["producer"] == "orders" and e["org_id"] == str(api.org_a) for e in published)
