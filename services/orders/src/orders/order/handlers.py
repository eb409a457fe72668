"""Handlers of finance's events (listed in orders.subscriptions): each event's contract is read
into a FinanceReport, and FinanceFeedbackService moves the orders — one event at a time
(`on_invoice_issued`, …) or a consumer batch's events together (`on_finance_events`, the one
subscribed: same results, a few statements per batch instead of several per event)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from orders.order.feedback import FinanceFeedbackService, FinanceReport, MoneyEffect
from orders.order.lifecycle import Trigger
from orders.order.repository import OrderRepository
from orders.settlement.billing import with_listed_deals
from servicekit.messaging import HandlerContext
from shared_schemas import (
    EventEnvelope,
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    OrdersCovered,
    PaymentMadeV1,
    ReceiptAllocatedV1,
)


def _report(
    event: EventEnvelope[Any],
    *,
    by: str,
    document_id: uuid.UUID,
    document_no: str,
    effect: MoneyEffect,
    note: str,
    announces: Trigger | None = None,
    reason: str | None = None,
) -> FinanceReport:
    payload: OrdersCovered = event.payload
    return FinanceReport(
        event_id=event.event_id,
        event_type=event.event_type,
        occurred_at=event.occurred_at,
        correlation_id=event.correlation_id,
        by=by,
        document_id=document_id,
        document_no=document_no,
        shares=[(share.order_id, share.amount.fen) for share in payload.orders],
        effect=effect,
        note=note,
        announces=announces,
        reason=reason,
    )


async def _apply(ctx: HandlerContext, report: FinanceReport) -> None:
    service = FinanceFeedbackService(OrderRepository(ctx.session), ctx.outbox, ctx.clock)
    # A settlement list's billing order passes the event on to its deals.
    for each in await with_listed_deals(ctx.session, [report]):
        await service.apply(each)


def invoice_applied_report(event: EventEnvelope[InvoiceAppliedV1]) -> FinanceReport:
    p = event.payload
    return _report(
        event,
        by=p.applied_by,
        document_id=p.application_id,
        document_no=p.application_no,
        effect=MoneyEffect.none,
        announces=Trigger.invoice_applied,
        note=f"invoice applied for ({p.application_no})",
    )


async def on_invoice_applied(event: EventEnvelope[InvoiceAppliedV1], ctx: HandlerContext) -> None:
    await _apply(ctx, invoice_applied_report(event))


def invoice_rejected_report(event: EventEnvelope[InvoiceRejectedV1]) -> FinanceReport:
    p = event.payload
    verb = "withdrawn" if p.withdrawn else "rejected"
    return _report(
        event,
        by=p.rejected_by,
        document_id=p.application_id,
        document_no=p.application_no,
        effect=MoneyEffect.none,
        announces=Trigger.invoice_rejected,
        note=f"invoice application {p.application_no} {verb}: {p.reason}",
    )


async def on_invoice_rejected(event: EventEnvelope[InvoiceRejectedV1], ctx: HandlerContext) -> None:
    await _apply(ctx, invoice_rejected_report(event))


def invoice_issued_report(event: EventEnvelope[InvoiceIssuedV1]) -> FinanceReport:
    p = event.payload
    return _report(
        event,
        by=p.issued_by,
        document_id=p.invoice_id,
        document_no=p.invoice_no,
        effect=MoneyEffect.invoiced,
        note=f"invoice {p.invoice_no} issued",
    )


async def on_invoice_issued(event: EventEnvelope[InvoiceIssuedV1], ctx: HandlerContext) -> None:
    await _apply(ctx, invoice_issued_report(event))


def invoice_reversed_report(event: EventEnvelope[InvoiceReversedV1]) -> FinanceReport:
    p = event.payload
    detail = f" — {p.note}" if p.note else ""
    return _report(
        event,
        by=p.reversed_by,
        document_id=p.red_invoice_id,
        document_no=p.red_invoice_no,
        effect=MoneyEffect.reversed,
        reason=p.reason.value,
        note=(
            f"red-letter invoice {p.red_invoice_no} reverses {p.original_invoice_no} "
            f"({p.reason.label_zh}){detail}"
        ),
    )


async def on_invoice_reversed(event: EventEnvelope[InvoiceReversedV1], ctx: HandlerContext) -> None:
    await _apply(ctx, invoice_reversed_report(event))


def receipt_allocated_report(event: EventEnvelope[ReceiptAllocatedV1]) -> FinanceReport:
    p = event.payload
    return _report(
        event,
        by=p.allocated_by,
        document_id=p.allocation_id,
        document_no=p.receipt_no,
        effect=MoneyEffect.received,
        note=f"receipt {p.receipt_no} allocated",
    )


async def on_receipt_allocated(
    event: EventEnvelope[ReceiptAllocatedV1], ctx: HandlerContext
) -> None:
    await _apply(ctx, receipt_allocated_report(event))


def payment_made_report(event: EventEnvelope[PaymentMadeV1]) -> FinanceReport:
    p = event.payload
    return _report(
        event,
        by=p.paid_by,
        document_id=p.payment_id,
        document_no=p.payment_no,
        effect=MoneyEffect.paid,
        note=f"payment {p.payment_no} made",
    )


async def on_payment_made(event: EventEnvelope[PaymentMadeV1], ctx: HandlerContext) -> None:
    await _apply(ctx, payment_made_report(event))


#: event type → how its contract reads as a FinanceReport.
REPORTS: dict[str, Callable[[Any], FinanceReport]] = {
    "finance.invoice.applied": invoice_applied_report,
    "finance.invoice.rejected": invoice_rejected_report,
    "finance.invoice.issued": invoice_issued_report,
    "finance.invoice.reversed": invoice_reversed_report,
    "finance.receipt.allocated": receipt_allocated_report,
    "finance.payment.made": payment_made_report,
}


async def on_finance_events(events: list[EventEnvelope[Any]], ctx: HandlerContext) -> None:
    """A consumer batch's finance events (any of REPORTS' types), in partition order."""
    reports = await with_listed_deals(
        ctx.session, [REPORTS[event.event_type](event) for event in events]
    )
    await FinanceFeedbackService(OrderRepository(ctx.session), ctx.outbox, ctx.clock).apply_many(
        reports
    )
