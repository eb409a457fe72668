"""One rule for what a red letter does to the amount owed (shared_schemas.owed), on both sides.

Finance runs generated sequences of invoices, red letters (全额/部分红冲, for every reason) and
bank receipts (matched automatically by the order number in the memo, or allocated by hand) on
a real database; every event it publishes is read back from its outbox and taken through the
order center's own finance-event logic (orders' handlers turn it into a report, and the batch
path of orders.order.feedback applies it to the order in memory — test_finance_batches proves
that path equal to the database one). After every step, for every order: finance's
outstanding equals what the order center says is still owed, the order is settled exactly
when that is nothing left, and no receipt was collected beyond what was owed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

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
from finance.receipts.repository import ReceiptRepository
from finance.receipts.schemas import AllocationCreate, AllocationLine
from finance.receipts.service import ReceiptService
from finance.settlement.models import SettlementItem
from finance.statements.models import BankAccount
from orders.order.feedback import FinanceBatch, HeldOrder
from orders.order.handlers import REPORTS
from servicekit.auth import Principal
from servicekit.errors import ProblemError
from shared_schemas import Money, OrderStatus, RedInvoiceReason, SellingEntity, parse
from shared_schemas.owed import amount_owed

CLERK = Principal(
    subject="owed-clerk",
    org_id=None,
    org_type="technology",
    functions=frozenset(),
    entry="finance",
    platform_operator=True,
)
BUYER = Buyer(name="某保险代理有限公司", tax_id="91310000MA1FL0XX1C")

_invoice = st.tuples(st.just("invoice"), st.integers(0, 1), st.integers(1, 100))
_red = st.tuples(
    st.just("red"),
    st.integers(0, 9),
    st.one_of(st.none(), st.integers(1, 100)),  # None: everything left (全额红冲)
    st.sampled_from(list(RedInvoiceReason)),
)
_pay = st.tuples(
    st.just("pay"), st.integers(0, 1), st.one_of(st.none(), st.integers(1, 120)), st.booleans()
)
programs = st.tuples(
    st.lists(st.integers(1_00, 50_000_00), min_size=2, max_size=2),
    st.lists(st.one_of(_invoice, _red, _pay), min_size=1, max_size=12),
)


def _yuan(fen: int) -> Decimal:
    return Money.from_fen(fen).amount


def _held(order_id: uuid.UUID, amount_fen: int) -> HeldOrder:
    # As orders holds an order reconciled before finance's events (the batch path's columns).
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return HeldOrder(
        id=order_id, order_no="OC", direction="receivable", amount_fen=amount_fen,
        customer_org_id=uuid.uuid4(), category="technical_service", created_at=now,
        settlement_list_id=None, status="reconciled", invoiced_fen=0, settled_fen=0,
        invoiced_at=None, settled_at=None, first_invoiced_at=None, first_invoiced_by=None,
        first_settled_at=None, first_settled_by=None, version=1, loaded_version=1,
    )  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=programs)
async def test_finance_and_orders_agree_on_what_is_owed(
    app: FastAPI, books: Any, program: Any
) -> None:
    amounts, steps = program
    org = uuid.uuid4()
    order_ids = [uuid.UUID(o) for o in await books.record_orders(app, org, *amounts)]
    numbers = {i.order_id: i.order_no for i in await _items(app, order_ids)}
    held = {o: _held(o, fen) for o, fen in zip(order_ids, amounts, strict=True)}
    batch = FinanceBatch()
    seen: set[str] = set()
    account = await _bank_account(app)
    blues: list[uuid.UUID] = []
    collected = dict.fromkeys(order_ids, 0)
    outbox = app.state.messaging.outbox

    for n, step in enumerate(steps):
        try:
            async with app.state.sessionmaker() as session, session.begin():
                invoices = InvoiceService(InvoiceRepository(session), outbox)
                receipts = ReceiptService(ReceiptRepository(session), outbox)
                items = {i.order_id: i for i in await _items(app, order_ids, session)}
                if step[0] == "invoice":
                    _, o, percent = step
                    item = items[order_ids[o]]
                    left = item.amount_fen - item.invoice_pending_fen - item.invoiced_fen
                    made = await invoices.apply(
                        ApplicationWrite(
                            legal_entity=SellingEntity.technology_company,
                            buyer=BUYER,
                            lines=[
                                ApplicationLineWrite(
                                    order_id=order_ids[o],
                                    description="信息技术服务费",
                                    tax_code="3040201990000000000",
                                    tax_rate=Decimal("0.06"),
                                    amount=_yuan(max(1, left * percent // 100)),
                                )
                            ],
                        ),
                        CLERK,
                    )
                    done = await invoices.issue(
                        made.id,
                        IssueWrite(invoice_no=books.invoice_no(), issue_date=date(2026, 11, 25)),
                        CLERK,
                    )
                    blues.append(done.invoices[0].id)
                elif step[0] == "red" and blues:
                    _, b, percent, reason = step
                    blue = await InvoiceRepository(session).invoice(blues[b % len(blues)])
                    assert blue is not None
                    share = None
                    if percent is not None:
                        s = blue.shares[0]
                        share = [
                            RedShareWrite(
                                order_id=s.order_id,
                                amount=_yuan(max(1, s.amount_fen * percent // 100)),
                            )
                        ]
                    await invoices.red_letter(
                        blue.id,
                        RedLetterWrite(
                            red_invoice_no=books.invoice_no(),
                            issue_date=date(2026, 11, 26),
                            reason=reason,
                            orders=share,
                        ),
                        CLERK,
                    )
                elif step[0] == "pay":
                    _, o, percent, by_hand = step
                    order_id = order_ids[o]
                    owed = items[order_id].outstanding_fen
                    # None: exactly what finance says is owed (the memo's order auto-matches)
                    fen = owed if percent is None else max(1, owed * percent // 100)
                    if fen <= 0:
                        continue
                    rid = uuid.uuid4()
                    memo = "转账" if by_hand else f"服务费 {numbers[order_id]}"
                    await receipts.match_new(
                        [_receipt_row(rid, account, n, fen, memo)], actor="owed", run_id=rid
                    )
                    if by_hand:
                        await receipts.allocate(
                            rid,
                            AllocationCreate(
                                lines=[AllocationLine(order_id=order_id, amount=_yuan(fen))]
                            ),
                            CLERK,
                        )
        except ProblemError:
            pass  # refused (e.g. more than owed): nothing of it may remain

        # The order center takes every new finance event, as its consumer would.
        for event in await _new_events(app, seen):
            report = REPORTS[event.event_type](event)
            for order_id, share in report.shares:
                if order_id in held:
                    batch.apply_to(held[order_id], report, share)
                    if event.event_type == "finance.receipt.allocated":
                        collected[order_id] += share
        for item in await _items(app, order_ids):
            order = held[item.order_id]
            owed = amount_owed(order.amount_fen, order.invoiced_fen) - order.settled_fen
            assert item.invoiced_fen == order.invoiced_fen
            assert item.outstanding_fen == owed, (step, item.outstanding_fen, owed)
            # Settled exactly when what is owed on invoices is all in.
            invoiced = order.status in (OrderStatus.invoiced, OrderStatus.settled)
            if (invoiced and order.invoiced_fen >= order.amount_fen) or order.status == "settled":
                assert (order.status == OrderStatus.settled) == (owed <= 0), (order, owed)
            # Nothing collected twice: receipts never exceed what the order ever owed.
            assert collected[item.order_id] <= item.amount_fen


async def test_a_600_allowance_on_3600_lets_a_3000_payment_match_and_both_sides_agree(
    app: FastAPI, books: Any
) -> None:
    """The reported case: ¥600 销售折让 on ¥3,600; the ¥3,000 bank payment naming the order
    matches automatically; finance says nothing is outstanding, the order center settled."""
    org = uuid.uuid4()
    [order_id] = [uuid.UUID(o) for o in await books.record_orders(app, org, 3600_00)]
    [item] = await _items(app, [order_id])
    order = _held(order_id, 3600_00)
    outbox = app.state.messaging.outbox
    seen: set[str] = set()
    await _new_events(app, seen)
    async with app.state.sessionmaker() as session, session.begin():
        invoices = InvoiceService(InvoiceRepository(session), outbox)
        body = ApplicationWrite(
            legal_entity=SellingEntity.technology_company,
            buyer=BUYER,
            lines=[
                ApplicationLineWrite(
                    order_id=order_id,
                    description="信息技术服务费",
                    tax_code="3040201990000000000",
                    tax_rate=Decimal("0.06"),
                    amount=Decimal("3600.00"),
                )
            ],
        )
        made = await invoices.apply(body, CLERK)
        issued = await invoices.issue(
            made.id, IssueWrite(invoice_no=books.invoice_no(), issue_date=date(2026, 11, 25)), CLERK
        )
        await invoices.red_letter(
            issued.invoices[0].id,
            RedLetterWrite(
                red_invoice_no=books.invoice_no(),
                issue_date=date(2026, 11, 26),
                reason=RedInvoiceReason.sales_allowance,
                orders=[RedShareWrite(order_id=order_id, amount=Decimal("600.00"))],
            ),
            CLERK,
        )
    [after_red] = await _items(app, [order_id])
    assert after_red.outstanding_fen == 3000_00
    account = await _bank_account(app)
    async with app.state.sessionmaker() as session, session.begin():
        rid = uuid.uuid4()
        outcome = await ReceiptService(ReceiptRepository(session), outbox).match_new(
            [_receipt_row(rid, account, 0, 3000_00, f"服务费 {item.order_no}")],
            actor="bank",
            run_id=rid,
        )
    assert outcome.matched == 1
    [paid] = await _items(app, [order_id])
    assert paid.outstanding_fen == 0
    # The receipt names no customer; its money is the customer's whose order it settles (the
    # reports attribute it there, not to a customer-less row).
    async with app.state.sessionmaker() as session:
        cash = (
            await session.execute(
                select(JournalLine.counterparty_org_id, JournalLine.debit_fen)
                .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
                .where(JournalEntry.source_id.startswith(str(rid)), JournalLine.debit_fen > 0)
            )
        ).all()
    assert [tuple(row) for row in cash] == [(org, 3000_00)]
    batch = FinanceBatch()
    for event in await _new_events(app, seen):
        report = REPORTS[event.event_type](event)
        for _oid, share in report.shares:
            batch.apply_to(order, report, share)
    assert (order.status, order.invoiced_fen, order.settled_fen) == ("settled", 3000_00, 3000_00)


async def _items(app: FastAPI, order_ids: list[uuid.UUID], session: Any = None) -> list[Any]:
    query = select(SettlementItem).where(SettlementItem.order_id.in_(order_ids))
    if session is not None:
        return list((await session.execute(query)).scalars())
    async with app.state.sessionmaker() as s:
        return list((await s.execute(query)).scalars())


async def _new_events(app: FastAPI, seen: set[str]) -> list[Any]:
    """finance's events for orders in its outbox not read yet, oldest first."""
    async with app.state.sessionmaker() as session:
        rows = await session.execute(text("SELECT body FROM outbox_messages ORDER BY id"))
        bodies = [json.loads(b) for (b,) in rows]
    out = []
    for body in bodies:
        if body["event_id"] in seen or body["event_type"] not in REPORTS:
            continue
        seen.add(body["event_id"])
        out.append(parse(json.dumps(body).encode()))
    return out


async def _bank_account(app: FastAPI) -> str:
    number = f"9{uuid.uuid4().int % 10**15:015d}"
    async with app.state.sessionmaker() as session, session.begin():
        session.add(
            BankAccount(
                account_no=number,
                name="owed",
                bank_name="owed",
                legal_entity="technology_company",
                ledger_account="1002",
                created_by="owed",
                created_at=datetime(2026, 11, 20, tzinfo=UTC),
            )
        )
    return number


def _receipt_row(rid: uuid.UUID, account: str, n: int, fen: int, memo: str) -> dict[str, Any]:
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    return {
        "id": rid,
        "receipt_no": f"{account}:{n}",
        "source": "bank",
        "statement_line_id": None,
        "bank_account": account,
        "legal_entity": "technology_company",
        "ledger_account": "1002",
        "merchant_order_no": None,
        "payer_name": "owed payer",
        "payer_account": "1",
        "memo": memo,
        "received_at": now,
        "amount_fen": fen,
        "created_by": "owed",
        "created_at": now,
    }
