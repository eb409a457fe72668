"""The order life cycle (订单生命周期): one transition table; nothing else moves an order.

Four kinds of step, all in `TRANSITIONS`:
- by hand (`function` set): a person reconciles (对账确认), cancels or closes through
  `POST /v1/orders/{id}/transitions`, holding that function;
- announced by finance (no function, no guard): an invoice application was made, or it was
  rejected/withdrawn;
- following from the money finance reported (`guard` set): issued invoices cover the amount,
  red-letter invoices reverse it in full, receipts or payments cover what is due — and, for an
  order on a settlement list (its billing order and the deals it bills), the list's money all
  in closes it;
- listed (`Trigger.listed`): a settlement list bills the order — the list is its 对账 — taken
  by orders itself when the list is created.
After every finance event (and step by hand) the automatic steps are taken while their guards
hold, so events that arrive out of order still leave the order where the money says it is.

Pure module (no database, no I/O); `mermaid()` renders the diagram the README shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared_schemas import OrderDirection, OrderStatus
from shared_schemas.owed import amount_owed

S = OrderStatus


class Trigger(StrEnum):
    """What causes a step."""

    reconcile = "reconcile"
    cancel = "cancel"
    close = "close"
    invoice_applied = "invoice_applied"
    invoice_rejected = "invoice_rejected"
    fully_invoiced = "fully_invoiced"
    fully_reversed = "fully_reversed"
    fully_settled = "fully_settled"
    listed = "listed"
    list_settled = "list_settled"


class Outcome(StrEnum):
    """What a finance event did to one order (kept with the order's finance record)."""

    #: The status changed.
    moved = "moved"
    #: Amounts recorded, status unchanged (a partial amount, or an earlier step still pending).
    recorded = "recorded"
    #: The order is already past the step the event announces: nothing to do.
    stale = "stale"
    #: Contradicts the order's life cycle: recorded and logged, left to a person.
    conflict = "conflict"


@dataclass(frozen=True)
class Amounts:
    """The money facts the automatic steps look at, in integer fen."""

    direction: OrderDirection
    amount_fen: int
    invoiced_fen: int  # issued minus reversed
    settled_fen: int  # received (receivable) or paid (payable)
    #: On a settlement list: its billing order, or a deal it bills.
    on_list: bool = False


Guard = Callable[[Amounts], bool]


def _fully_invoiced(a: Amounts) -> bool:
    return a.invoiced_fen >= a.amount_fen


def _fully_reversed(a: Amounts) -> bool:
    return a.invoiced_fen <= 0


def _invoice_settled(a: Amounts) -> bool:
    # What is due is what finance says is owed (one rule, shared_schemas.owed): once invoiced,
    # what was invoiced net — a partial red letter (e.g. 销售折让) lowers it.
    return a.invoiced_fen > 0 and a.settled_fen >= amount_owed(a.amount_fen, a.invoiced_fen)


def _list_settled(a: Amounts) -> bool:
    # A settlement list's life cycle ends with its money (the seed: invoice status flows back
    # to the order, closing its life cycle); other orders are closed by a person.
    return a.on_list and _invoice_settled(a)


def _paid_in_full(a: Amounts) -> bool:
    return a.settled_fen >= a.amount_fen


#: Invoices are ours to customers (销项): only receivable orders are invoiced. Payable orders
#: (merchants, promoters, service staff) go from reconciled straight to settled when paid.
RECEIVABLE = frozenset({OrderDirection.receivable})
PAYABLE = frozenset({OrderDirection.payable})
BOTH_DIRECTIONS = frozenset(OrderDirection)


@dataclass(frozen=True)
class Transition:
    source: OrderStatus
    target: OrderStatus
    trigger: Trigger
    #: What the diagram says about the step.
    label: str
    #: Steps by hand: the function (`orders.order.<verb>`) the caller must hold.
    function: str | None = None
    #: Automatic steps: the condition on the amounts that makes the step happen.
    guard: Guard | None = None
    directions: frozenset[OrderDirection] = BOTH_DIRECTIONS

    @property
    def manual(self) -> bool:
        return self.function is not None


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.created, S.reconciled, Trigger.reconcile, "对账确认 (orders.order.reconcile)",
               function="orders.order.reconcile"),
    Transition(S.created, S.cancelled, Trigger.cancel, "cancel (orders.order.cancel)",
               function="orders.order.cancel"),
    Transition(S.created, S.reconciled, Trigger.listed,
               "billed on a settlement list (orders.settlement_list.create)"),
    Transition(S.reconciled, S.cancelled, Trigger.cancel, "cancel (orders.order.cancel)",
               function="orders.order.cancel"),
    Transition(S.reconciled, S.invoice_applied, Trigger.invoice_applied,
               "finance.invoice.applied", directions=RECEIVABLE),
    Transition(S.invoice_applied, S.reconciled, Trigger.invoice_rejected,
               "finance.invoice.rejected (rejected or withdrawn)", directions=RECEIVABLE),
    Transition(S.invoice_applied, S.invoiced, Trigger.fully_invoiced,
               "issued invoices cover the amount", guard=_fully_invoiced, directions=RECEIVABLE),
    Transition(S.invoiced, S.reconciled, Trigger.fully_reversed,
               "red-letter invoices reverse it in full", guard=_fully_reversed,
               directions=RECEIVABLE),
    Transition(S.invoiced, S.settled, Trigger.fully_settled,
               "receipts cover the invoiced amount", guard=_invoice_settled,
               directions=RECEIVABLE),
    Transition(S.reconciled, S.settled, Trigger.fully_settled,
               "payments cover the amount (payable)", guard=_paid_in_full, directions=PAYABLE),
    Transition(S.settled, S.closed, Trigger.close, "close (orders.order.close)",
               function="orders.order.close"),
    Transition(S.settled, S.closed, Trigger.list_settled,
               "settlement list: receipts cover the invoiced amount", guard=_list_settled,
               directions=RECEIVABLE),
)  # fmt: skip

#: Position along the main path (cancelled is off it): "already past a step" compares these.
_PROGRESS = {
    S.created: 0,
    S.reconciled: 1,
    S.invoice_applied: 2,
    S.invoiced: 3,
    S.settled: 4,
    S.closed: 5,
}

#: Money finance reports for an order in these statuses contradicts its life cycle (nobody
#: reconciled it, it was cancelled, or it is closed): it is recorded but flagged as a conflict.
_NO_MONEY_EXPECTED = frozenset({S.created, S.cancelled, S.closed})

#: Dates kept on the order for the date-range filters: set when it reaches the status, cleared
#: when it moves back to a status before it (a fully reversed invoice).
MILESTONES: dict[OrderStatus, str] = {S.invoiced: "invoiced_at", S.settled: "settled_at"}

#: status → the steps from it, in table order (looked up for every order a finance event moves).
_FROM: dict[OrderStatus, tuple[Transition, ...]] = {
    status: tuple(t for t in TRANSITIONS if t.source == status) for status in OrderStatus
}


def transitions_from(status: OrderStatus) -> tuple[Transition, ...]:
    return _FROM.get(status, ())


def manual_targets(status: OrderStatus) -> list[OrderStatus]:
    """Where a person may move an order in this status."""
    return [t.target for t in transitions_from(status) if t.manual]


def manual(status: OrderStatus, target: OrderStatus) -> Transition | None:
    """The step a person asks for, or None when it is not theirs to take from this status."""
    return next((t for t in transitions_from(status) if t.manual and t.target == target), None)


def function_to(target: OrderStatus) -> str | None:
    """The function needed to move an order to `target` by hand (None: never by hand)."""
    return next((t.function for t in TRANSITIONS if t.manual and t.target == target), None)


def announced(
    status: OrderStatus, trigger: Trigger, direction: OrderDirection
) -> tuple[Outcome, Transition | None]:
    """Fit a step finance announced to the order's status: take it, ignore it, or flag it."""
    for t in transitions_from(status):
        if t.trigger == trigger and t.guard is None and direction in t.directions:
            return Outcome.moved, t
    step_target = next(t.target for t in TRANSITIONS if t.trigger == trigger)
    if status in _PROGRESS and _PROGRESS[status] >= _PROGRESS[step_target]:
        return Outcome.stale, None
    return Outcome.conflict, None


def automatic(status: OrderStatus, amounts: Amounts) -> Transition | None:
    """The step the amounts call for from this status, if any."""
    return next(
        (
            t
            for t in transitions_from(status)
            if t.guard is not None and amounts.direction in t.directions and t.guard(amounts)
        ),
        None,
    )


def listed(status: OrderStatus) -> Transition | None:
    """The step a settlement list takes on an order it bills (None: already reconciled)."""
    return next((t for t in transitions_from(status) if t.trigger == Trigger.listed), None)


def money_expected(status: OrderStatus) -> bool:
    return status not in _NO_MONEY_EXPECTED


def milestone_updates(target: OrderStatus, at: datetime) -> dict[str, datetime | None]:
    """Order date fields to set (reached) or clear (moved back before them) on entering target."""
    updates: dict[str, datetime | None] = {}
    for status, field in MILESTONES.items():
        if target == status:
            updates[field] = at
        elif target in _PROGRESS and _PROGRESS[target] < _PROGRESS[status]:
            updates[field] = None
    return updates


def mermaid() -> str:
    """The state diagram of `TRANSITIONS` (README and docs embed it; a test keeps them equal)."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.created}"]
    lines += [f"    {t.source} --> {t.target}: {t.label}" for t in TRANSITIONS]
    lines += [f"    {S.closed} --> [*]", f"    {S.cancelled} --> [*]"]
    return "\n".join(lines) + "\n"


def _check_table() -> None:
    # Invariants the rest of the module relies on: a bad edit fails at import, not in production.
    for t in TRANSITIONS:
        if t.source == t.target or (t.manual and t.guard is not None):
            raise ValueError(f"{t}: a step changes the status, and is by hand or automatic")
    for trigger in Trigger:
        if len({t.target for t in TRANSITIONS if t.trigger == trigger}) != 1:
            raise ValueError(f"{trigger} must lead to exactly one status")
    for target in {t.target for t in TRANSITIONS if t.manual}:
        if len({t.function for t in TRANSITIONS if t.manual and t.target == target}) != 1:
            raise ValueError(f"every step by hand to {target} needs the same function")


_check_table()
