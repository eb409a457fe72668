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
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from orders.order import lifecycle
from orders.order.lifecycle import Outcome, Trigger
from orders.order.models import FinanceRecord, Order
from orders.order.repository import OrderRepository
from orders.order.service import OrderService, StepContext
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

    @property
    def context(self) -> StepContext:
        """The steps it causes are taken by its actor, caused by its event id."""
        return StepContext(
            by=self.by[:_BY_MAX],
            cause=str(self.event_id),
            note=self.note,
            correlation_id=self.correlation_id,
        )


class FinanceFeedbackService:
    def __init__(self, repository: OrderRepository, outbox: Outbox) -> None:
        self.repo = repository
        self.orders = OrderService(repository, outbox)

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
                    recorded_at=datetime.now(UTC),
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

    async def _apply_to(
        self, order: Order, report: FinanceReport, share_fen: int
    ) -> tuple[Outcome, str]:
        before = OrderStatus(order.status)
        direction = OrderDirection(order.direction)
        if not self._count(order, report.effect, share_fen):
            return Outcome.conflict, (
                f"{report.effect.value} money does not belong to a {direction.value} order; "
                "not counted"
            )
        problem: str | None = None
        if report.announces is not None:
            outcome, step = lifecycle.announced(before, report.announces, direction)
            if step is not None:
                await self.orders.move(order, step, report.context)
            if outcome is Outcome.conflict:
                problem = (
                    f"{report.announces} cannot happen to a {direction.value} order in {before}"
                )
        else:
            outcome, problem = Outcome.recorded, _money_problem(before, order)
        if await self.orders.follow_the_amounts(order, report.context):
            outcome = Outcome.moved
        if problem is not None:
            return Outcome.conflict, f"{problem}; needs a person ({_amounts_text(order)})"
        if outcome is Outcome.moved:
            return outcome, f"{before} → {order.status}"
        if outcome is Outcome.stale:
            return outcome, f"order already {order.status}; nothing to do"
        return outcome, f"status {order.status} unchanged; {_amounts_text(order)}"

    @staticmethod
    def _count(order: Order, effect: MoneyEffect, share_fen: int) -> bool:
        if effect is MoneyEffect.none:
            return True
        column, sign, direction = _EFFECTS[effect]
        if order.direction != direction.value:
            return False
        setattr(order, column, getattr(order, column) + sign * share_fen)
        return True


def _money_problem(status: OrderStatus, order: Order) -> str | None:
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


def _amounts_text(order: Order) -> str:
    return (
        f"invoiced {Money.from_fen(order.invoiced_fen).amount:.2f}, "
        f"settled {Money.from_fen(order.settled_fen).amount:.2f} "
        f"of {Money.from_fen(order.amount_fen).amount:.2f}"
    )
