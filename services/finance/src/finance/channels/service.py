"""Payment-channel reconciliation (支付渠道对账): a channel's daily bill against our books.

Importing a bill is idempotent: a bill is known by channel, merchant account and day; the
same bill again is answered with the one imported, a different bill for that day is refused.
Reconciling compares, by merchant order number (商户订单号):
- the bill's payments with our receipts from that channel: matched, amount_mismatch,
  missing_in_books (paid at the channel, no receipt of ours), and our receipts of that day
  missing_in_bill;
- the bill's refunds with our paid payment requests carrying that merchant order number;
and posts the bill's fees once: Dr 6603 财务费用 / Cr 1012 其他货币资金 (the channel balance).
Re-running replaces the bill's findings (receipts recorded since are taken into account).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from finance.channels.models import ChannelBill, Outcome, ReconciliationItem
from finance.channels.parsing import BUSINESS_TZ, BillProblem, parse_alipay, parse_wechat
from finance.channels.repository import ChannelRepository
from finance.channels.schemas import ChannelBillRead, ReconciliationItemRead, ReconciliationRead
from finance.ledger.posting import PostingLine, post_entry
from finance.payments.repository import PaymentRepository
from finance.receipts.repository import ReceiptRepository, take_write_lock
from finance.receipts.schemas import to_yuan
from finance.statements.service import operators_only
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, NotFound, Unprocessable

CHANNEL_FEES = "channel_fees"
FEES_ACCOUNT = "6603"
CHANNEL_BALANCE = "1012"


class ChannelService:
    def __init__(self, repository: ChannelRepository, clock: Clock = utc_now) -> None:
        self.repo = repository
        self.clock = clock
        self.receipts = ReceiptRepository(repository.session)
        self.payments = PaymentRepository(repository.session)

    async def import_bill(
        self,
        channel: str,
        content: bytes,
        filename: str,
        legal_entity: str,
        principal: Principal,
    ) -> ChannelBillRead:
        await take_write_lock(self.repo.session)
        operators_only(principal)
        try:
            parsed = parse_wechat(content) if channel == "wechat" else parse_alipay(content)
        except BillProblem as problem:
            raise Unprocessable(
                f"The {channel} bill cannot be read: {problem.message}.",
                code=problem.code,
                errors=[{"field": problem.field, "code": problem.code, "message": problem.message}],
            ) from problem
        digest = hashlib.sha256(content).hexdigest()
        known = await self.repo.bill_of_day(channel, parsed.merchant_id, parsed.bill_date)
        if known is not None:
            if known.content_sha256 != digest:
                raise Conflict(
                    f"The {channel} bill of merchant {parsed.merchant_id} for {parsed.bill_date} "
                    "was imported already, with other content.",
                    code="bill_differs",
                )
            return bill_read(known, already_imported=True)
        now = self.clock()
        bill = ChannelBill(
            id=uuid.uuid4(),
            channel=channel,
            merchant_id=parsed.merchant_id,
            legal_entity=legal_entity,
            bill_date=parsed.bill_date,
            content_sha256=digest,
            filename=filename,
            line_count=len(parsed.lines),
            total_amount_fen=parsed.total_amount_fen,
            refund_amount_fen=parsed.refund_amount_fen,
            fee_fen=parsed.fee_fen,
            imported_by=principal.subject,
            imported_at=now,
        )
        self.repo.add(bill)
        await self.repo.session.flush()
        seen = await self.repo.known_txns(
            channel, [(x.channel_txn_no, x.kind) for x in parsed.lines]
        )
        await self.repo.insert_lines(
            [
                {
                    "id": uuid.uuid4(),
                    "bill_id": bill.id,
                    "channel": channel,
                    "channel_txn_no": x.channel_txn_no,
                    "merchant_order_no": x.merchant_order_no,
                    "kind": x.kind,
                    "status": x.status,
                    "amount_fen": x.amount_fen,
                    "fee_fen": x.fee_fen,
                    "occurred_at": x.occurred_at,
                }
                for x in parsed.lines
                # A transaction already in another day's bill (a refund's payment, an
                # overlapping download) is kept once.
                if (x.channel_txn_no, x.kind) not in seen
            ]
        )
        return bill_read(bill)

    async def bills(self, principal: Principal, **filters: Any) -> list[ChannelBillRead]:
        operators_only(principal)
        return [bill_read(b) for b in await self.repo.bills(**filters)]

    async def _bill(self, bill_id: uuid.UUID, *, lock: bool = False) -> ChannelBill:
        bill = await self.repo.bill(bill_id, lock=lock)
        if bill is None:
            raise NotFound(f"No channel bill {bill_id}.", code="channel_bill_not_found")
        return bill

    async def reconcile(self, bill_id: uuid.UUID, principal: Principal) -> ReconciliationRead:
        await take_write_lock(self.repo.session)
        operators_only(principal)
        bill = await self._bill(bill_id, lock=True)
        lines = await self.repo.lines(bill.id)
        paid: dict[str, int] = defaultdict(int)
        refunded: dict[str, int] = defaultdict(int)
        fees: dict[str, int] = defaultdict(int)
        for line in lines:
            (paid if line.kind == "payment" else refunded)[line.merchant_order_no] += (
                line.amount_fen
            )
            fees[line.merchant_order_no] += line.fee_fen
        items: list[dict[str, Any]] = []

        def finding(
            number: str,
            outcome: Outcome,
            kind: str,
            bill_fen: int | None,
            book_fen: int | None,
            receipt: uuid.UUID | None = None,
            payment: uuid.UUID | None = None,
        ) -> None:
            items.append(
                {
                    "id": uuid.uuid4(),
                    "bill_id": bill.id,
                    "merchant_order_no": number,
                    "outcome": outcome.value,
                    "kind": kind,
                    "bill_amount_fen": bill_fen,
                    "book_amount_fen": book_fen,
                    "fee_fen": fees.get(number, 0) if bill_fen is not None else 0,
                    "receipt_id": receipt,
                    "payment_request_id": payment,
                }
            )

        receipts = {
            r.merchant_order_no: r
            for r in await self.receipts.receipts_by_merchant_order_nos(bill.channel, sorted(paid))
        }
        for number, fen in sorted(paid.items()):
            receipt = receipts.get(number)
            if receipt is None:
                finding(number, Outcome.missing_in_books, "payment", fen, None)
            else:
                outcome = Outcome.matched if receipt.amount_fen == fen else Outcome.amount_mismatch
                finding(number, outcome, "payment", fen, receipt.amount_fen, receipt=receipt.id)
        start = datetime.combine(bill.bill_date, time(0), BUSINESS_TZ).astimezone(UTC)
        for receipt in await self.receipts.receipts_in_period(
            bill.channel, start, start + timedelta(days=1)
        ):
            if receipt.merchant_order_no not in paid:
                finding(
                    receipt.merchant_order_no or receipt.receipt_no,
                    Outcome.missing_in_bill,
                    "payment",
                    None,
                    receipt.amount_fen,
                    receipt=receipt.id,
                )
        payouts = {
            p.merchant_order_no: p
            for p in await self.payments.requests_by_merchant_order_nos(sorted(refunded))
            if p.status == "paid"
        }
        for number, fen in sorted(refunded.items()):
            payout = payouts.get(number)
            if payout is None:
                finding(number, Outcome.missing_in_books, "payout", fen, None)
            else:
                outcome = Outcome.matched if payout.amount_fen == fen else Outcome.amount_mismatch
                finding(number, outcome, "payout", fen, payout.amount_fen, payment=payout.id)
        await self.repo.replace_items(bill.id, items)
        fee_total = sum(line.fee_fen for line in lines)
        if fee_total:
            charged, returned = (fee_total, 0) if fee_total > 0 else (0, -fee_total)
            await post_entry(
                self.repo.session,
                legal_entity=bill.legal_entity,
                entry_date=bill.bill_date,
                source_type=CHANNEL_FEES,
                source_id=str(bill.id),
                memo=f"{bill.channel} 手续费 {bill.merchant_id} {bill.bill_date}",
                lines=[
                    PostingLine(FEES_ACCOUNT, debit_fen=charged, credit_fen=returned),
                    PostingLine(CHANNEL_BALANCE, debit_fen=returned, credit_fen=charged),
                ],
                actor=principal.subject,
                clock=self.clock,
            )
        bill.reconciled_by, bill.reconciled_at = principal.subject, self.clock()
        await self.repo.session.flush()
        return await self.result(bill.id, principal, None)

    async def result(
        self, bill_id: uuid.UUID, principal: Principal, outcome: str | None
    ) -> ReconciliationRead:
        operators_only(principal)
        bill = await self._bill(bill_id)
        rows = await self.repo.items(bill.id, outcome)
        counts = Counter(r.outcome for r in rows)
        return ReconciliationRead(
            bill=bill_read(bill),
            counts={o.value: counts.get(o.value, 0) for o in Outcome},
            fee_posted=to_yuan(bill.fee_fen if bill.reconciled_at else 0),
            items=[item_read(r) for r in rows],
        )


def bill_read(bill: ChannelBill, *, already_imported: bool = False) -> ChannelBillRead:
    return ChannelBillRead(
        id=bill.id,
        channel=bill.channel,
        merchant_id=bill.merchant_id,
        legal_entity=bill.legal_entity,
        bill_date=bill.bill_date,
        filename=bill.filename,
        line_count=bill.line_count,
        total_amount=to_yuan(bill.total_amount_fen),
        refund_amount=to_yuan(bill.refund_amount_fen),
        fee=to_yuan(bill.fee_fen),
        imported_by=bill.imported_by,
        imported_at=bill.imported_at,
        reconciled_by=bill.reconciled_by,
        reconciled_at=bill.reconciled_at,
        already_imported=already_imported,
    )


def item_read(row: ReconciliationItem) -> ReconciliationItemRead:
    return ReconciliationItemRead(
        merchant_order_no=row.merchant_order_no,
        outcome=row.outcome,
        kind=row.kind,
        bill_amount=None if row.bill_amount_fen is None else to_yuan(row.bill_amount_fen),
        book_amount=None if row.book_amount_fen is None else to_yuan(row.book_amount_fen),
        fee=to_yuan(row.fee_fen),
        receipt_id=row.receipt_id,
        payment_request_id=row.payment_request_id,
    )
