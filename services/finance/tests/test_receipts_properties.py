"""Property tests: random receipts, matching, allocations, unmatches and payments on real
databases keep allocated ≤ received, statuses true to the amounts, orders never over-settled,
and every journal entry balanced."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from finance.ledger.models import JournalEntry, JournalLine
from finance.payments.models import PaymentRequest, PaymentRequestLine
from finance.payments.repository import PaymentRepository
from finance.payments.schemas import PaymentCallback, PaymentRequestCreate
from finance.payments.service import PaymentService
from finance.receipts.models import Allocation, Receipt, status_of
from finance.receipts.repository import ReceiptRepository
from finance.receipts.schemas import AllocationCreate, AllocationLine
from finance.receipts.service import ReceiptService
from finance.settlement.models import SettlementItem
from finance.statements.models import BankAccount
from servicekit.auth import Principal
from servicekit.errors import ProblemError
from shared_schemas import Money

#: When the rows these tests write directly were recorded (fixed: no wall clock in tests).
RECORDED_AT = datetime(2026, 10, 20, 4, tzinfo=UTC)


def load_support() -> ModuleType:
    name, path = "cash_support", Path(__file__).parent / "samples" / "cash_support.py"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


C = load_support()
add_order = C.add_order

OPERATOR = Principal(
    subject="prop-cashier",
    org_id=None,
    org_type="technology",
    functions=frozenset(),
    entry="finance",
    platform_operator=True,
)
APPROVERS = [
    Principal(
        subject=f"prop-approver-{n}",
        org_id=None,
        org_type="technology",
        functions=frozenset(),
        entry="finance",
        platform_operator=True,
    )
    for n in range(3)
]
MY_SOURCES = (
    "receipt_allocation",
    "receipt_auto_match",
    "receipt_unallocation",
    "payment",
)

_receipt = st.tuples(
    st.just("receive"),
    st.integers(1, 400_00),
    st.one_of(st.none(), st.integers(0, 3)),  # memo quotes this receivable, or nothing
)
_allocate = st.tuples(
    st.just("allocate"), st.integers(0, 9), st.integers(0, 3), st.integers(1, 300_00)
)
_unallocate = st.tuples(st.just("unallocate"), st.integers(0, 9), st.integers(0, 9))
_pay = st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 300_00), st.booleans())
programs = st.tuples(
    st.lists(st.integers(1, 300_00), min_size=4, max_size=4),  # receivables
    st.lists(st.integers(1, 300_00), min_size=2, max_size=2),  # payables
    st.lists(st.one_of(_receipt, _allocate, _unallocate, _pay), min_size=1, max_size=12),
)


async def _bank_account(app: FastAPI) -> str:
    number = f"9{uuid.uuid4().int % 10**15:015d}"
    async with app.state.sessionmaker() as session, session.begin():
        session.add(
            BankAccount(
                account_no=number,
                name="prop",
                bank_name="prop",
                legal_entity="technology_company",
                ledger_account="1002",
                created_by="prop",
                created_at=RECORDED_AT,
            )
        )
    return number


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=programs)
async def test_allocated_never_exceeds_received_and_the_books_balance(
    app: FastAPI, program: Any
) -> None:
    receivable_fen, payable_fen, steps = program
    outbox = app.state.messaging.outbox
    org = uuid.uuid4()
    receivables = [await add_order(app, org, fen) for fen in receivable_fen]
    payables = [await add_order(app, org, fen, direction="payable") for fen in payable_fen]
    account = await _bank_account(app)
    receipts: list[uuid.UUID] = []
    requests: list[uuid.UUID] = []

    for n, step in enumerate(steps):
        try:
            async with app.state.sessionmaker() as session, session.begin():
                receipts_service = ReceiptService(ReceiptRepository(session), outbox)
                payments = PaymentService(PaymentRepository(session), outbox)
                if step[0] == "receive":
                    _, fen, quoted = step
                    rid = uuid.uuid4()
                    memo = "" if quoted is None else f"货款 {receivables[quoted].order_no}"
                    await receipts_service.match_new(
                        [_receipt_row(rid, account, n, fen, memo)], actor="prop", run_id=rid
                    )
                    receipts.append(rid)
                elif step[0] == "allocate" and receipts:
                    _, r, o, fen = step
                    body = AllocationCreate(
                        lines=[
                            AllocationLine(
                                order_id=receivables[o].order_id, amount=Money.from_fen(fen).amount
                            )
                        ]
                    )
                    await receipts_service.allocate(receipts[r % len(receipts)], body, OPERATOR)
                elif step[0] == "unallocate" and receipts:
                    _, r, b = step
                    rid = receipts[r % len(receipts)]
                    batches = sorted(
                        {
                            a.batch_id
                            for a in await ReceiptRepository(session).allocations(rid)
                            if a.reversed_at is None
                        },
                        key=str,
                    )
                    if batches:
                        await receipts_service.unallocate(
                            rid, batches[b % len(batches)], "prop", OPERATOR
                        )
                elif step[0] == "pay":
                    _, p, fen, twice = step
                    created = await payments.create(
                        _request(account, payables[p].order_id, fen), OPERATOR
                    )
                    requests.append(created.id)
                    for approver in APPROVERS[: created.approvals_required]:
                        await payments.approve(created.id, None, approver)
                    reference = f"P{uuid.uuid4().hex[:16]}"
                    await payments.pay(
                        created.id, PaymentCallback(bank_reference=reference), OPERATOR
                    )
                    if twice:  # the bank calls back again
                        await payments.pay(
                            created.id, PaymentCallback(bank_reference=reference), OPERATOR
                        )
        except ProblemError:
            pass  # refused: nothing of the step may remain (checked below)
        await _check(app, receivables + payables, receipts, requests)


def _receipt_row(rid: uuid.UUID, account: str, n: int, fen: int, memo: str) -> dict[str, Any]:
    now = RECORDED_AT
    return {
        "id": rid,
        "receipt_no": f"{account}:{n}",
        "source": "bank",
        "statement_line_id": None,
        "bank_account": account,
        "legal_entity": "technology_company",
        "ledger_account": "1002",
        "merchant_order_no": None,
        "payer_name": "prop payer",
        "payer_account": "1",
        "memo": memo,
        "received_at": now,
        "amount_fen": fen,
        "created_by": "prop",
        "created_at": now,
    }


def _request(account: str, order_id: uuid.UUID, fen: int) -> PaymentRequestCreate:
    return PaymentRequestCreate.model_validate(
        {
            "payee": {
                "type": "promoter",
                "id": "P-1",
                "name": "王五",
                "bank_account": "62220000",
                "bank_name": "工商银行",
            },
            "payer_bank_account": account,
            "lines": [{"order_id": str(order_id), "amount": str(Money.from_fen(fen).amount)}],
        }
    )


async def _check(
    app: FastAPI, orders: list[Any], receipts: list[uuid.UUID], requests: list[uuid.UUID]
) -> None:
    async with app.state.sessionmaker() as session:
        for rid in receipts:
            receipt = await session.get(Receipt, rid)
            assert receipt is not None
            active = [
                a
                for a in (
                    await session.execute(select(Allocation).where(Allocation.receipt_id == rid))
                ).scalars()
                if a.reversed_at is None
            ]
            assert 0 <= receipt.allocated_fen <= receipt.amount_fen
            assert receipt.allocated_fen == sum(a.amount_fen for a in active)
            assert receipt.status == status_of(receipt.amount_fen, receipt.allocated_fen).value
        for order in orders:
            item = await session.get(SettlementItem, order.order_id)
            assert item is not None
            allocated = (
                await session.execute(
                    select(func.coalesce(func.sum(Allocation.amount_fen), 0)).where(
                        Allocation.order_id == order.order_id, Allocation.reversed_at.is_(None)
                    )
                )
            ).scalar_one()
            paid = (
                await session.execute(
                    select(func.coalesce(func.sum(PaymentRequestLine.amount_fen), 0))
                    .join(PaymentRequest, PaymentRequest.id == PaymentRequestLine.request_id)
                    .where(
                        PaymentRequestLine.order_id == order.order_id,
                        PaymentRequest.status == "paid",
                    )
                )
            ).scalar_one()
            assert item.outstanding_fen == item.amount_fen - allocated - paid >= 0
        for rid in requests:
            request = await session.get(PaymentRequest, rid)
            assert request is not None and request.status == "paid"
            posted = (
                await session.execute(
                    select(func.count())
                    .select_from(JournalEntry)
                    .where(
                        JournalEntry.source_type == "payment", JournalEntry.source_id == str(rid)
                    )
                )
            ).scalar_one()
            assert posted == 1  # however often the bank called back
        unbalanced = (
            await session.execute(
                select(JournalEntry.id)
                .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
                .where(JournalEntry.source_type.in_(MY_SOURCES))
                .group_by(JournalEntry.id)
                .having(func.sum(JournalLine.debit_fen) != func.sum(JournalLine.credit_fen))
            )
        ).all()
        assert unbalanced == []
