"""Finance flowing back into orders (财务回传), in real time.

Each finance event names orders with their share of a document (an invoice application, an
invoice, a red-letter invoice, a receipt allocation, a payment). For every named order, in the
consumer's transaction:
1. a document already recorded for the order is ignored (idempotent by document, beyond the
   inbox's idempotency by event id);
2. the money is added to the order's amounts (invoiced, or settled) when it belongs to the
   order's direction;
3. the step the event announces (applied, rejected) is taken if the table allows it from the
   order's status, ignored if the order is already past it, flagged as a conflict otherwise;
4. the automatic steps the amounts now call for are taken (lifecycle.automatic), so events
   that arrive out of order still converge on the status the money says;
5. a finance record keeps what was reported and the outcome.
Nothing here raises for a business mismatch: a conflict is recorded on the order and logged
at WARNING for a person, because retrying or dead-lettering could never resolve it.

Two paths, one result: `apply` takes one event through the ORM (an order locked, changed and
flushed at a time); `apply_many` takes a consumer batch's events together — all their orders
locked with one SELECT … FOR UPDATE, the same steps taken on plain in-memory copies, then one
multi-row statement per table. tests/test_finance_batches.py feeds the same random event
sequences both ways and compares the databases.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol

from orders.order import lifecycle
from orders.order.lifecycle import Amounts, Outcome, Transition, Trigger
from orders.order.models import FinanceRecord, Order
from orders.order.repository import FOLLOWED_COLUMNS, OrderRepository, TotalsKey
from orders.order.service import OrderService, StepContext, status_changed, totals_month
from servicekit.clock import Clock, utc_now
from servicekit.messaging import Outbox
from shared_schemas import Money, OrderDirection, OrderStatus

log = logging.getLogger("orders.feedback")


class MoneyEffect(StrEnum):
    """What a finance document does to an order's amounts."""

    none = "none"
    invoiced = "invoiced"  # + invoiced (blue invoice)
    reversed = "reversed"  # − invoiced (red-letter invoice)
    received = "received"  # + settled (receipt allocated)
    paid = "paid"  # + settled (payment made)


#: effect → (the order's amount it changes, sign, the only direction the money belongs to)
_EFFECTS: dict[MoneyEffect, tuple[str, int, OrderDirection]] = {
    MoneyEffect.invoiced: ("invoiced_fen", +1, OrderDirection.receivable),
    MoneyEffect.reversed: ("invoiced_fen", -1, OrderDirection.receivable),
    MoneyEffect.received: ("settled_fen", +1, OrderDirection.receivable),
    MoneyEffect.paid: ("settled_fen", +1, OrderDirection.payable),
}

_BY_MAX = 120  # the trajectory's `by` column


@dataclass(frozen=True)
class FinanceReport:
    """One finance event as the order center reads it (handlers.py builds it from the contract)."""

    event_id: uuid.UUID
    event_type: str
    occurred_at: datetime
    correlation_id: str | None
    by: str
    document_id: uuid.UUID
    document_no: str
    #: (order id, that order's share in fen)
    shares: Sequence[tuple[uuid.UUID, int]]
    effect: MoneyEffect
    #: Written to the trajectory of every step it causes, e.g. "invoice 04400012 issued".
    note: str
    announces: Trigger | None = None
    reason: str | None = None

    @cached_property  # read for every step it causes
    def context(self) -> StepContext:
        """The steps it causes are taken by its actor, caused by its event id."""
        return StepContext(
            by=self.by[:_BY_MAX],
            cause=str(self.event_id),
            note=self.note,
            correlation_id=self.correlation_id,
        )


class FinanceFeedbackService:
    def __init__(self, repository: OrderRepository, outbox: Outbox, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock
        self.orders = OrderService(repository, outbox, clock)

    async def apply(self, report: FinanceReport) -> None:
        # Sorted: consumers lock the rows of a multi-order document in one order (no deadlocks).
        for order_id, share_fen in sorted(report.shares):
            order = await self.repo.lock(order_id)
            if order is None:
                # Finance learns of orders from orders.order.created, so this is a foreign or
                # lost order; blocking the partition (or the other orders) would not bring it.
                log.error(
                    "%s %s names unknown order %s; skipped",
                    report.event_type,
                    report.event_id,
                    order_id,
                )
                continue
            if await self.repo.has_finance_record(order_id, report.event_type, report.document_id):
                log.info(
                    "%s for %s %s already recorded on order %s; ignored",
                    report.event_type,
                    report.document_no,
                    report.event_id,
                    order.order_no,
                )
                continue
            outcome, note = await self._apply_to(order, report, share_fen)
            self.repo.add(
                FinanceRecord(
                    order_id=order.id,
                    event_id=report.event_id,
                    event_type=report.event_type,
                    document_id=report.document_id,
                    document_no=report.document_no[:64],
                    amount_fen=share_fen,
                    reason=report.reason,
                    by=report.by[:_BY_MAX],
                    occurred_at=report.occurred_at,
                    recorded_at=self.clock(),
                    outcome=outcome.value,
                    note=note,
                )
            )
            await self.repo.save()
            log.log(
                logging.WARNING if outcome is Outcome.conflict else logging.INFO,
                "%s %s on order %s: %s (%s)",
                report.event_type,
                report.event_id,
                order.order_no,
                outcome.value,
                note,
            )

    async def apply_many(self, reports: Sequence[FinanceReport]) -> None:
        """`apply` for each report in turn, with the same outcome, rows and events, written
        with a few statements for all of them instead of several per order and event."""
        rows = await self.repo.lock_many([o for r in reports for o, _ in r.shares])
        held = {row["id"]: HeldOrder(**row, loaded_version=row["version"]) for row in rows}
        recorded = await self.repo.finance_documents_recorded(
            list(held), [r.document_id for r in reports]
        )
        batch = FinanceBatch(clock=self.clock)
        for report in reports:
            for order_id, share_fen in sorted(report.shares):
                order = held.get(order_id)
                if order is None:
                    log.error(
                        "%s %s names unknown order %s; skipped",
                        report.event_type,
                        report.event_id,
                        order_id,
                    )
                    continue
                document = (order_id, report.event_type, report.document_id)
                if document in recorded:
                    log.info(
                        "%s for %s %s already recorded on order %s; ignored",
                        report.event_type,
                        report.document_no,
                        report.event_id,
                        order.order_no,
                    )
                    continue
                recorded.add(document)
                outcome, note = batch.apply_to(order, report, share_fen)
                batch.records.append(
                    {
                        "order_id": order.id,
                        "event_id": report.event_id,
                        "event_type": report.event_type,
                        "document_id": report.document_id,
                        "document_no": report.document_no[:64],
                        "amount_fen": share_fen,
                        "reason": report.reason,
                        "by": report.by[:_BY_MAX],
                        "occurred_at": report.occurred_at,
                        "recorded_at": self.clock(),
                        "outcome": outcome.value,
                        "note": note,
                    }
                )
                order.flush()  # where `apply` saves after adding the record
                log.log(
                    logging.WARNING if outcome is Outcome.conflict else logging.INFO,
                    "%s %s on order %s: %s (%s)",
                    report.event_type,
                    report.event_id,
                    order.order_no,
                    outcome.value,
                    note,
                )
        # Orders in id order (as locked), totals in key order: no deadlock with other writers.
        await self.repo.update_followed([o.changes() for o in held.values() if o.changed])
        await self.repo.add_steps(batch.steps)
        await self.repo.add_finance_records(batch.records)
        await self.orders.outbox.add(self.repo.session, *batch.events)
        # Last: concurrent batches of other partitions add to the same totals rows, and each
        # waits for the lock until the holder commits (the consumer records its inbox first).
        await self.repo.add_to_totals(batch.totals)

    async def _apply_to(
        self, order: Order, report: FinanceReport, share_fen: int
    ) -> tuple[Outcome, str]:
        before = OrderStatus(order.status)
        direction = OrderDirection(order.direction)
        if not self._count(order, report.effect, share_fen):
            return Outcome.conflict, _not_counted(report, direction)
        problem: str | None = None
        if report.announces is not None:
            outcome, step = lifecycle.announced(before, report.announces, direction)
            if step is not None:
                await self.orders.move(order, step, report.context)
            if outcome is Outcome.conflict:
                problem = _cannot_happen(report, direction, before)
        else:
            outcome, problem = Outcome.recorded, _money_problem(before, order)
        if await self.orders.follow_the_amounts(order, report.context):
            outcome = Outcome.moved
        return _verdict(order, before, outcome, problem)

    @staticmethod
    def _count(order: Order, effect: MoneyEffect, share_fen: int) -> bool:
        if effect is MoneyEffect.none:
            return True
        column, sign, direction = _EFFECTS[effect]
        if order.direction != direction.value:
            return False
        setattr(order, column, getattr(order, column) + sign * share_fen)
        return True


class _Amounted(Protocol):
    """What the outcome texts read of an order: an ORM Order or a batch's HeldOrder."""

    status: str
    amount_fen: int
    invoiced_fen: int
    settled_fen: int


def _not_counted(report: FinanceReport, direction: OrderDirection) -> str:
    return f"{report.effect.value} money does not belong to a {direction.value} order; not counted"


def _cannot_happen(report: FinanceReport, direction: OrderDirection, before: OrderStatus) -> str:
    return f"{report.announces} cannot happen to a {direction.value} order in {before}"


def _verdict(
    order: _Amounted, before: OrderStatus, outcome: Outcome, problem: str | None
) -> tuple[Outcome, str]:
    """The outcome kept with the finance record, and its note."""
    if problem is not None:
        return Outcome.conflict, f"{problem}; needs a person ({_amounts_text(order)})"
    if outcome is Outcome.moved:
        return outcome, f"{before} → {order.status}"
    if outcome is Outcome.stale:
        return outcome, f"order already {order.status}; nothing to do"
    return outcome, f"status {order.status} unchanged; {_amounts_text(order)}"


@dataclass
class HeldOrder:
    """An order as the batch path holds it: the locked columns (repository.LOCKED_COLUMNS) and
    the bookkeeping to write back what the ORM path writes, its version included."""

    id: uuid.UUID
    order_no: str
    direction: str
    amount_fen: int
    customer_org_id: uuid.UUID
    category: str
    created_at: datetime
    settlement_list_id: uuid.UUID | None
    status: str
    invoiced_fen: int
    settled_fen: int
    invoiced_at: datetime | None
    settled_at: datetime | None
    first_invoiced_at: datetime | None
    first_invoiced_by: str | None
    first_settled_at: datetime | None
    first_settled_by: str | None
    version: int
    loaded_version: int
    #: Changed since the last point where the ORM path flushes.
    dirty: bool = False

    def set(self, name: str, value: Any) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.dirty = True

    def flush(self) -> None:
        """Where the ORM path flushes: an UPDATE (and a version) only if something changed."""
        if self.dirty:
            self.version += 1
            self.dirty = False

    @property
    def changed(self) -> bool:
        return self.version != self.loaded_version

    def changes(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in FOLLOWED_COLUMNS}
        return values | {"id": self.id, "loaded_version": self.loaded_version}


@dataclass
class FinanceBatch:
    """The steps of a batch of finance events taken in memory (OrderService.move and
    follow_the_amounts, and _apply_to, on HeldOrders), and the rows they write."""

    totals: dict[TotalsKey, tuple[int, int]] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    clock: Clock = utc_now

    def apply_to(
        self, order: HeldOrder, report: FinanceReport, share_fen: int
    ) -> tuple[Outcome, str]:
        before = OrderStatus(order.status)
        direction = OrderDirection(order.direction)
        if not self.count(order, report.effect, share_fen):
            return Outcome.conflict, _not_counted(report, direction)
        problem: str | None = None
        if report.announces is not None:
            outcome, step = lifecycle.announced(before, report.announces, direction)
            if step is not None:
                self.move(order, step, report.context)
            if outcome is Outcome.conflict:
                problem = _cannot_happen(report, direction, before)
        else:
            outcome, problem = Outcome.recorded, _money_problem(before, order)
        if self.follow_the_amounts(order, report.context):
            outcome = Outcome.moved
        return _verdict(order, before, outcome, problem)

    @staticmethod
    def count(order: HeldOrder, effect: MoneyEffect, share_fen: int) -> bool:
        if effect is MoneyEffect.none:
            return True
        column, sign, direction = _EFFECTS[effect]
        if order.direction != direction.value:
            return False
        order.set(column, getattr(order, column) + sign * share_fen)
        return True

    def follow_the_amounts(self, order: HeldOrder, context: StepContext) -> int:
        taken = 0
        # The steps change the status, not the amounts: read once.
        amounts = Amounts(
            direction=OrderDirection(order.direction),
            amount_fen=order.amount_fen,
            invoiced_fen=order.invoiced_fen,
            settled_fen=order.settled_fen,
            on_list=order.settlement_list_id is not None,
        )
        for _ in lifecycle.TRANSITIONS:  # bounded, as in OrderService.follow_the_amounts
            step = lifecycle.automatic(OrderStatus(order.status), amounts)
            if step is None:
                break
            self.move(order, step, context)
            taken += 1
        return taken

    def move(self, order: HeldOrder, step: Transition, context: StepContext) -> None:
        if order.status != step.source:
            raise ValueError(f"{step} does not start from the order's status {order.status}")
        order.flush()  # the ORM path's totals upsert autoflushes the amounts counted so far
        now = self.clock()
        key = (totals_month(order.created_at), order.customer_org_id, order.category)
        for status, sign in ((step.source, -1), (step.target, 1)):
            n, fen = self.totals.get((*key, status.value), (0, 0))
            self.totals[(*key, status.value)] = (n + sign, fen + sign * order.amount_fen)
        order.set("status", step.target.value)
        for name, value in lifecycle.milestone_updates(step.target, now).items():
            order.set(name, value)
        if step.target == OrderStatus.invoiced and order.first_invoiced_at is None:
            order.set("first_invoiced_at", now)
            order.set("first_invoiced_by", context.by)
        if step.target == OrderStatus.settled and order.first_settled_at is None:
            order.set("first_settled_at", now)
            order.set("first_settled_by", context.by)
        self.steps.append(
            {
                "order_id": order.id,
                "from_status": step.source.value,
                "to_status": step.target.value,
                "at": now,
                "by": context.by,
                "cause": context.cause,
                "note": context.note,
            }
        )
        order.flush()
        self.events.append(
            status_changed(order.id, order.order_no, order.customer_org_id, step, context, at=now)
        )


def _money_problem(status: OrderStatus, order: _Amounted) -> str | None:
    """Why the amounts finance reported do not fit the order, if they do not."""
    if not lifecycle.money_expected(status):
        return f"finance money for an order in {status}"
    if order.invoiced_fen < 0:
        return "more reversed than was invoiced"
    if order.invoiced_fen > order.amount_fen:
        return "more invoiced than the order's amount"
    if order.settled_fen > order.amount_fen:
        return "more received or paid than the order's amount"
    return None


def _amounts_text(order: _Amounted) -> str:
    return (
        f"invoiced {Money.from_fen(order.invoiced_fen).amount:.2f}, "
        f"settled {Money.from_fen(order.settled_fen).amount:.2f} "
        f"of {Money.from_fen(order.amount_fen).amount:.2f}"
    )
