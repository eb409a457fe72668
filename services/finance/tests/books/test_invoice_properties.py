"""Property tests: random sequences of applications, issues, rejections and (partial) red
letters on real databases never break the books."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from finance.invoices.models import Invoice, InvoiceApplication, InvoiceKind, InvoiceShare
from finance.invoices.repository import InvoiceRepository
from finance.invoices.schemas import (
    ApplicationLineWrite,
    ApplicationWrite,
    Buyer,
    IssueWrite,
    RedLetterWrite,
    RedShareWrite,
)
from finance.invoices.service import InvoiceService
from finance.ledger.models import JournalEntry, JournalLine
from finance.settlement.models import SettlementItem
from servicekit.auth import Principal
from servicekit.errors import ProblemError
from shared_schemas import Money, RedInvoiceReason, SellingEntity

CLERK = Principal(
    subject="prop-clerk",
    org_id=None,
    org_type="technology",
    functions=frozenset(),
    entry="finance",
    platform_operator=True,
)

_apply = st.tuples(
    st.just("apply"),
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 110)), min_size=1, max_size=3),
)
_decide = st.tuples(st.sampled_from(["issue", "reject"]), st.integers(0, 9))
_red = st.tuples(
    st.just("red"), st.integers(0, 9), st.one_of(st.none(), st.integers(0, 2)), st.integers(1, 120)
)
programs = st.tuples(
    st.lists(st.integers(1, 5_000_000), min_size=3, max_size=3),
    st.sampled_from(["0", "0.03", "0.06", "0.13"]),
    st.lists(st.one_of(_apply, _decide, _red), min_size=1, max_size=14),
)


def _yuan(fen: int) -> Decimal:
    return Money.from_fen(fen).amount


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=programs)
async def test_invoices_never_exceed_orders_and_red_never_exceeds_blue(
    app: FastAPI, books: Any, program: Any
) -> None:
    amounts, rate, steps = program
    org = uuid.uuid4()
    orders = [uuid.UUID(o) for o in await books.record_orders(app, org, *amounts)]
    applications: list[uuid.UUID] = []
    blues: list[uuid.UUID] = []
    outbox = app.state.messaging.outbox

    for step in steps:
        async with app.state.sessionmaker() as session:
            service = InvoiceService(InvoiceRepository(session), outbox)
            items = {i.order_id: i for i in await _items(session, orders)}
            try:
                if step[0] == "apply":
                    # percent of the order's remainder; above 100 must be refused
                    lines = []
                    for index, percent in step[1]:
                        item = items[orders[index]]
                        left = item.amount_fen - item.invoice_pending_fen - item.invoiced_fen
                        fen = max(1, left * percent // 100)
                        lines.append(
                            ApplicationLineWrite(
                                order_id=orders[index],
                                description="服务费",
                                tax_code="3040201990000000000",
                                tax_rate=Decimal(rate),
                                amount=_yuan(fen),
                            )
                        )
                    made = await service.apply(
                        ApplicationWrite(
                            legal_entity=SellingEntity.agency_company,
                            buyer=Buyer(name="买方", tax_id="91310000MA1FL0XX1C"),
                            lines=lines,
                        ),
                        CLERK,
                    )
                    applications.append(made.id)
                elif step[0] in ("issue", "reject") and applications:
                    target = applications[step[1] % len(applications)]
                    if step[0] == "issue":
                        done = await service.issue(
                            target,
                            IssueWrite(
                                invoice_no=books.invoice_no(), issue_date=date(2026, 11, 25)
                            ),
                            CLERK,
                        )
                        blues.append(done.invoices[0].id)
                    else:
                        await service.reject(target, "wrong", CLERK)
                elif step[0] == "red" and blues:
                    blue = blues[step[1] % len(blues)]
                    share = None
                    if step[2] is not None:
                        invoice = await InvoiceRepository(session).invoice(blue)
                        assert invoice is not None
                        s = invoice.shares[step[2] % len(invoice.shares)]
                        share = [
                            RedShareWrite(
                                order_id=s.order_id,
                                amount=_yuan(max(1, s.amount_fen * step[3] // 100)),
                            )
                        ]
                    await service.red_letter(
                        blue,
                        RedLetterWrite(
                            red_invoice_no=books.invoice_no(),
                            issue_date=date(2026, 11, 26),
                            reason=RedInvoiceReason.sales_allowance,
                            orders=share,
                        ),
                        CLERK,
                    )
                await session.commit()
            except ProblemError:
                await session.rollback()  # refused: nothing of it may remain
        async with app.state.sessionmaker() as session:
            await _check_books(session, org, orders)


async def _items(session: Any, orders: list[uuid.UUID]) -> Any:
    query = select(SettlementItem).where(SettlementItem.order_id.in_(orders))
    return (await session.execute(query)).scalars().all()


async def _check_books(session: Any, org: uuid.UUID, orders: list[uuid.UUID]) -> None:
    # every journal entry balances and its total is its debits
    per_entry = (
        select(
            JournalEntry.id,
            JournalEntry.total_fen,
            func.sum(JournalLine.debit_fen),
            func.sum(JournalLine.credit_fen),
        )
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.total_fen)
    )
    for _, total, debit, credit in (await session.execute(per_entry)).all():
        assert debit == credit == total

    for item in await _items(session, orders):
        blue = await _share_sum(session, item.order_id, InvoiceKind.blue)
        red = await _share_sum(session, item.order_id, InvoiceKind.red)
        assert 0 <= red <= blue  # red ≤ blue
        assert item.invoiced_fen == blue - red
        assert 0 <= item.invoice_pending_fen
        assert item.invoice_pending_fen + item.invoiced_fen <= item.amount_fen  # invoiced ≤ order
        pending = await session.scalar(
            select(func.coalesce(func.sum(InvoiceApplication.amount_fen), 0)).where(
                InvoiceApplication.customer_org_id == org,
                InvoiceApplication.status == "applied",
            )
        )
        assert pending >= item.invoice_pending_fen

    for invoice in (
        await session.execute(
            select(Invoice).where(Invoice.customer_org_id == org, Invoice.kind == "blue")
        )
    ).scalars():
        reds = await session.scalar(
            select(func.coalesce(func.sum(Invoice.amount_fen), 0)).where(
                Invoice.original_invoice_id == invoice.id
            )
        )
        red_tax = await session.scalar(
            select(func.coalesce(func.sum(Invoice.tax_fen), 0)).where(
                Invoice.original_invoice_id == invoice.id
            )
        )
        assert reds == invoice.reversed_fen <= invoice.amount_fen
        assert red_tax == invoice.reversed_tax_fen <= invoice.tax_fen
        if reds == invoice.amount_fen:
            assert red_tax == invoice.tax_fen  # reversed exactly, tax included

    # The receivable account holds exactly what is invoiced net, for this customer.
    receivable = await session.scalar(
        select(func.coalesce(func.sum(JournalLine.debit_fen - JournalLine.credit_fen), 0)).where(
            JournalLine.counterparty_org_id == org, JournalLine.account_code == "1122"
        )
    )
    assert receivable == sum(i.invoiced_fen for i in await _items(session, orders))


async def _share_sum(session: Any, order_id: uuid.UUID, kind: InvoiceKind) -> int:
    query = (
        select(func.coalesce(func.sum(InvoiceShare.amount_fen), 0))
        .join(Invoice, Invoice.id == InvoiceShare.invoice_id)
        .where(InvoiceShare.order_id == order_id, Invoice.kind == kind.value)
    )
    return int(await session.scalar(query))
