"""Receipts: automatic matching, manual allocation and its reversal.

Invariants kept here (and by the database's CHECK constraints):
- a receipt's allocated amount never exceeds what was received, and an order is never
  allocated more than it still owes — the receipt's and the orders' rows are locked first;
- a receipt's status is derived from its amounts (`status_of`), never set directly;
- every allocation step publishes finance.receipt.allocated and posts Dr bank (1002, or the
  channel balance 1012) / Cr receivable (the order's account, 1122) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from finance.ledger.posting import PostingLine, post_entry, today_shanghai
from finance.receipts.matching import Match, MatchIndex, OpenOrder, new_ids, reference_tokens
from finance.receipts.models import (
    Allocation,
    CashSetting,
    MatchRule,
    PayerAccount,
    Receipt,
    ReceiptSource,
    status_of,
)
from finance.receipts.repository import TOLERANCE_KEY, ReceiptRepository, take_write_lock
from finance.receipts.schemas import (
    AllocationCreate,
    AllocationLine,
    AllocationRead,
    MatchingSettingsRead,
    MatchRun,
    MatchSuggestion,
    PayerAccountRead,
    PayerAccountWrite,
    ReceiptCreate,
    ReceiptRead,
    to_fen,
    to_yuan,
)
from finance.settlement.models import SettlementItem
from finance.settlement.refs import resolve_order_ids
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, NotFound, Unprocessable
from servicekit.messaging import Outbox
from servicekit.observability import correlation_id_var
from shared_schemas import Money, OrderShare, ReceiptAllocatedV1, new_event

#: journal entry source types
ALLOCATION = "receipt_allocation"
BULK_ALLOCATION = "receipt_auto_match"
UNALLOCATION = "receipt_unallocation"
CHANNEL_LEDGER_ACCOUNT = "1012"


@dataclass
class MatchOutcome:
    """What matching a batch of new receipts did."""

    matched: int = 0
    to_check: int = 0
    allocations: list[dict[str, Any]] = field(default_factory=list)


def _ref_field(line: AllocationLine) -> str:
    """The field the clerk typed the order into (errors name it)."""
    return "order_id" if line.order_id is not None else "order_no"


def _by_customer(rows: Sequence[Any]) -> list[tuple[uuid.UUID, int]]:
    """Allocated fen per customer institution of the allocations, in a stable order."""
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for a in rows:
        totals[a.customer_org_id] += a.amount_fen
    return sorted(totals.items(), key=lambda kv: str(kv[0]))


def _fail(field_name: str, code: str, message: str) -> Unprocessable:
    return Unprocessable(
        message, code=code, errors=[{"field": field_name, "code": code, "message": message}]
    )


class ReceiptService:
    def __init__(
        self, repository: ReceiptRepository, outbox: Outbox, clock: Clock = utc_now
    ) -> None:
        self.repo = repository
        self.outbox = outbox
        self.clock = clock

    # reading ----------------------------------------------------------------------------
    async def get(self, receipt_id: uuid.UUID, principal: Principal) -> ReceiptRead:
        receipt = await self._visible(receipt_id, principal)
        return self.read(receipt, await self.repo.allocations(receipt.id))

    async def _visible(
        self, receipt_id: uuid.UUID, principal: Principal, *, lock: bool = False
    ) -> Receipt:
        receipt = await self.repo.receipt(receipt_id, lock=lock)
        if receipt is None or not _may_see(principal, receipt.customer_org_id):
            raise NotFound(f"No receipt {receipt_id} that you may see.", code="receipt_not_found")
        return receipt

    @staticmethod
    def read(receipt: Receipt, allocations: Sequence[Allocation] | None = None) -> ReceiptRead:
        return ReceiptRead(
            id=receipt.id,
            receipt_no=receipt.receipt_no,
            source=receipt.source,
            bank_account=receipt.bank_account,
            legal_entity=receipt.legal_entity,
            merchant_order_no=receipt.merchant_order_no,
            payer_name=receipt.payer_name,
            payer_account=receipt.payer_account,
            memo=receipt.memo,
            received_at=receipt.received_at,
            amount=to_yuan(receipt.amount_fen),
            allocated=to_yuan(receipt.allocated_fen),
            unallocated=to_yuan(receipt.amount_fen - receipt.allocated_fen),
            status=receipt.status,
            to_check=receipt.to_check,
            customer_org_id=receipt.customer_org_id,
            allocations=None if allocations is None else [allocation_read(a) for a in allocations],
        )

    async def suggestions(
        self, receipt_id: uuid.UUID, principal: Principal
    ) -> list[MatchSuggestion]:
        """For manual matching: the open receivables the caller may see whose number, or whose
        invoice's or invoice application's number, the receipt's memo quotes — whatever the
        amount (the automatic rules want it exact)."""
        receipt = await self._visible(receipt_id, principal)
        tokens = sorted(set(reference_tokens(receipt.memo)))
        if not tokens:
            return []
        rows: dict[uuid.UUID, Any] = {}
        quoted: dict[uuid.UUID, str] = {}
        for row in await self.repo.open_receivables_by_no(tokens):
            rows[row.order_id] = row
            quoted[row.order_id] = row.order_no
        documents = await self.repo.orders_of_documents(tokens)
        for row in await self.repo.open_receivables_by_id([d[1] for d in documents]):
            rows[row.order_id] = row
        invoice_of: dict[uuid.UUID, uuid.UUID] = {}
        for number, order_id, invoice_id in documents:
            quoted.setdefault(order_id, number)
            if invoice_id is not None:
                invoice_of[order_id] = invoice_id
        return [
            MatchSuggestion(
                order_id=row.order_id,
                order_no=row.order_no,
                customer_org_id=row.customer_org_id,
                outstanding=to_yuan(row.outstanding_fen),
                reference=quoted[row.order_id],
                invoice_id=invoice_of.get(row.order_id),
            )
            for row in sorted(rows.values(), key=lambda r: (r.recorded_at, r.order_no))
            if principal.may_see_org(row.customer_org_id)
        ]

    # manual receipts (payment channels) -------------------------------------------------
    async def record(self, body: ReceiptCreate, principal: Principal) -> ReceiptRead:
        await take_write_lock(self.repo.session)  # the existence check below stays true
        receipt_no = f"{body.source}:{body.merchant_order_no}"
        if await self.repo.existing_receipt_nos([receipt_no]):
            raise Conflict(
                f"A {body.source} receipt for merchant order {body.merchant_order_no} exists.",
                code="receipt_exists",
            )
        if body.received_at.tzinfo is None:
            raise _fail("body.received_at", "timezone_required", "give received_at with a zone")
        now = self.clock()
        row = {
            "id": uuid.uuid4(),
            "receipt_no": receipt_no,
            "source": body.source,
            "statement_line_id": None,
            "bank_account": None,
            "legal_entity": body.legal_entity,
            "ledger_account": CHANNEL_LEDGER_ACCOUNT,
            "merchant_order_no": body.merchant_order_no,
            "payer_name": body.payer_name,
            "payer_account": "",
            "memo": body.memo,
            "received_at": body.received_at.astimezone(UTC),
            "amount_fen": to_fen(body.amount),
            "created_by": principal.subject,
            "created_at": now,
        }
        await self.match_new([row], actor=principal.subject, run_id=row["id"])
        receipt = await self.repo.receipt(row["id"])
        assert receipt is not None
        return self.read(receipt, await self.repo.allocations(receipt.id))

    # automatic matching -----------------------------------------------------------------
    async def _index(
        self, memos: Sequence[str], payers: Sequence[tuple[str, str, int]]
    ) -> MatchIndex:
        """What the batch could match: referenced orders (by order, invoice or application
        number) and the open orders of known payers, locked until the commit."""
        index = MatchIndex(tolerance_fen=await self.repo.tolerance_fen())
        rows: dict[uuid.UUID, Any] = {}
        tokens = sorted({t for memo in memos for t in reference_tokens(memo)})
        for row in await self.repo.open_receivables_by_no(tokens):
            rows[row.order_id] = row
        documents = await self.repo.orders_of_documents(tokens)
        for row in await self.repo.open_receivables_by_id([d[1] for d in documents]):
            rows[row.order_id] = row
        for payer in await self.repo.payer_accounts([name for name, _, _ in payers]):
            index.payer_orgs[(payer.payer_name, payer.payer_account)] = payer.customer_org_id
        wanted = {
            (org, fen)
            for name, account, fen in payers
            if (org := index.payer_org(name, account)) is not None
        }
        for row in await self.repo.open_receivables_near(
            sorted(wanted, key=str), index.tolerance_fen
        ):
            rows[row.order_id] = row
        refs: dict[uuid.UUID, list[str]] = defaultdict(list)
        invoice_of: dict[uuid.UUID, uuid.UUID] = {}
        for number, order_id, invoice_id in documents:
            refs[order_id].append(number)
            if invoice_id is not None:
                invoice_of[order_id] = invoice_id
        for row in sorted(rows.values(), key=lambda r: (r.recorded_at, r.order_no)):
            index.add_order(
                OpenOrder(
                    row.order_id,
                    row.order_no,
                    row.customer_org_id,
                    row.outstanding_fen,
                    row.account_code,
                    invoice_of.get(row.order_id),
                ),
                *refs.get(row.order_id, ()),
            )
        return index

    async def match_new(
        self, rows: list[dict[str, Any]], *, actor: str, run_id: uuid.UUID
    ) -> MatchOutcome:
        """Insert new receipts (dicts of Receipt columns), allocating those a rule matches.

        One journal entry per run (and bank account) carries the run's automatic allocations;
        each receipt's allocation is still its own event and can be reversed on its own.
        """
        outcome = MatchOutcome()
        if not rows:
            return outcome
        await take_write_lock(self.repo.session)
        index = await self._index(
            [r["memo"] for r in rows],
            [(r["payer_name"], r["payer_account"], r["amount_fen"]) for r in rows],
        )
        now = self.clock()
        ids = iter(new_ids(3 * len(rows)))  # a batch and up to two orders per receipt, mostly
        events = []
        touched: dict[uuid.UUID, OpenOrder] = {}
        for row in rows:
            match = index.match(
                row["amount_fen"], row["memo"], row["payer_name"], row["payer_account"]
            )
            if match is None:
                row.update(allocated_fen=0, to_check=True, customer_org_id=None)
                row["status"] = status_of(row["amount_fen"], 0).value
                outcome.to_check += 1
                continue
            index.apply(match)
            batch_id = next(ids, None) or uuid.uuid4()
            allocated = sum(s.amount_fen for s in match.shares)
            org = match.shares[0].order.customer_org_id
            row.update(allocated_fen=allocated, to_check=False, customer_org_id=org)
            row["status"] = status_of(row["amount_fen"], allocated).value
            for share in match.shares:
                touched[share.order.order_id] = share.order
                outcome.allocations.append(
                    {
                        "id": next(ids, None) or uuid.uuid4(),
                        "batch_id": batch_id,
                        "receipt_id": row["id"],
                        "order_id": share.order.order_id,
                        "order_no": share.order.order_no,
                        "customer_org_id": org,
                        "invoice_id": share.order.invoice_id,
                        "amount_fen": share.amount_fen,
                        "shortfall_fen": share.shortfall_fen,
                        "rule": match.rule.value,
                        "allocated_by": actor,
                        "allocated_at": now,
                        "ledger_account": row["ledger_account"],
                        "account_code": share.order.account_code,
                        "legal_entity": row["legal_entity"],
                    }
                )
            events.append(_allocated_event(batch_id, row, match, actor, org))
            outcome.matched += 1
        await self.repo.insert_receipts(rows)
        ledger_rows = [
            {k: a.pop(k) for k in ("ledger_account", "account_code", "legal_entity")}
            for a in outcome.allocations
        ]
        await self.repo.insert_allocations(outcome.allocations)
        await self.repo.set_outstanding([(o.order_id, o.outstanding_fen) for o in touched.values()])
        await self._post_bulk(run_id, outcome.allocations, ledger_rows, actor)
        await self.outbox.add(self.repo.session, *events)
        return outcome

    async def _post_bulk(
        self,
        run_id: uuid.UUID,
        allocations: list[dict[str, Any]],
        ledger: list[dict[str, Any]],
        actor: str,
    ) -> None:
        # One entry per legal entity: Dr each money account, Cr each receivable, per institution
        # — the money is the customer's whose orders it settles (reports attribute it there,
        # not to a customer-less row), whether or not the receipt itself names a customer.
        debit: dict[tuple[str, str, uuid.UUID], int] = defaultdict(int)
        credit: dict[tuple[str, str, uuid.UUID], int] = defaultdict(int)
        for a, where in zip(allocations, ledger, strict=True):
            debit[(where["legal_entity"], where["ledger_account"], a["customer_org_id"])] += a[
                "amount_fen"
            ]
            credit[(where["legal_entity"], where["account_code"], a["customer_org_id"])] += a[
                "amount_fen"
            ]
        for entity in sorted({e for e, _, _ in debit}):
            lines = [
                PostingLine(account, debit_fen=fen, counterparty_org_id=org)
                for (e, account, org), fen in sorted(debit.items(), key=lambda kv: str(kv[0]))
                if e == entity
            ] + [
                PostingLine(account, credit_fen=fen, counterparty_org_id=org)
                for (e, account, org), fen in sorted(credit.items(), key=lambda kv: str(kv[0]))
                if e == entity
            ]
            await post_entry(
                self.repo.session,
                legal_entity=entity,
                entry_date=today_shanghai(self.clock),
                source_type=BULK_ALLOCATION,
                source_id=f"{run_id}:{entity}",
                memo=f"收款自动核销 {run_id}",
                lines=lines,
                actor=actor,
                clock=self.clock,
            )

    async def rematch_queue(self, principal: Principal, limit: int) -> MatchRun:
        """Run the rules again over the "to check" queue (orders or payers may be known now)."""
        await take_write_lock(self.repo.session)
        receipts = await self.repo.receipts_to_check(limit)
        if not receipts:
            return MatchRun(examined=0, matched=0, to_check=0)
        index = await self._index(
            [r.memo for r in receipts],
            [(r.payer_name, r.payer_account, r.amount_fen) for r in receipts],
        )
        matched = 0
        for receipt in receipts:
            match = index.match(
                receipt.amount_fen, receipt.memo, receipt.payer_name, receipt.payer_account
            )
            if match is None:
                continue
            index.apply(match)
            # Locked and read again: _allocate refuses an order that now owes less.
            items = await self.repo.items([s.order.order_id for s in match.shares])
            await self._allocate(
                receipt,
                [
                    (s.order.order_id, s.amount_fen, s.order.invoice_id, s.shortfall_fen)
                    for s in match.shares
                ],
                items,
                rule=match.rule,
                actor=principal.subject,
            )
            matched += 1
        return MatchRun(examined=len(receipts), matched=matched, to_check=len(receipts) - matched)

    # manual allocation ------------------------------------------------------------------
    async def allocate(
        self, receipt_id: uuid.UUID, body: AllocationCreate, principal: Principal
    ) -> ReceiptRead:
        await take_write_lock(self.repo.session)
        receipt = await self._visible(receipt_id, principal, lock=True)
        lines = body.lines
        order_ids = await resolve_order_ids(self.repo.session, lines, principal, "body.lines")
        seen: set[uuid.UUID] = set()
        for i, (line, order_id) in enumerate(zip(lines, order_ids, strict=True)):
            if order_id in seen:
                raise _fail(
                    f"body.lines[{i}].{_ref_field(line)}",
                    "duplicate_order",
                    "each order appears once; merge its amounts",
                )
            seen.add(order_id)
        total = sum(to_fen(line.amount) for line in lines)
        left = receipt.amount_fen - receipt.allocated_fen
        if total > left:
            raise _fail(
                "body.lines",
                "over_allocation",
                f"the lines add up to {to_yuan(total)} but only {to_yuan(left)} of receipt "
                f"{receipt.receipt_no} is unallocated",
            )
        items = await self.repo.items(order_ids)
        orgs = set()
        for i, (line, order_id) in enumerate(zip(lines, order_ids, strict=True)):
            item = items.get(order_id)
            if item is None or not principal.may_see_org(item.customer_org_id):
                raise _fail(
                    f"body.lines[{i}].order_id",
                    "order_not_found",
                    f"finance has no order {order_id} that you may see",
                )
            if item.direction != "receivable":
                raise _fail(
                    f"body.lines[{i}].{_ref_field(line)}",
                    "not_receivable",
                    f"order {item.order_no} is payable; receipts settle receivables",
                )
            if to_fen(line.amount) > item.outstanding_fen:
                raise _fail(
                    f"body.lines[{i}].amount",
                    "exceeds_outstanding",
                    f"order {item.order_no} owes {to_yuan(item.outstanding_fen)}, "
                    f"less than {line.amount}",
                )
            orgs.add(item.customer_org_id)
        if len(orgs) > 1 or (
            receipt.customer_org_id is not None and receipt.customer_org_id not in orgs
        ):
            raise _fail(
                "body.lines",
                "mixed_institutions",
                "a receipt pays the orders of one institution only",
            )
        await self._allocate(
            receipt,
            [
                (order_id, to_fen(line.amount), line.invoice_id, 0)
                for line, order_id in zip(lines, order_ids, strict=True)
            ],
            items,
            rule=MatchRule.manual,
            actor=principal.subject,
        )
        if body.remember_payer and receipt.source == ReceiptSource.bank.value:
            await self._learn_payer(receipt, orgs.pop(), principal.subject)
        return self.read(receipt, await self.repo.allocations(receipt.id))

    async def _allocate(
        self,
        receipt: Receipt,
        shares: list[tuple[uuid.UUID, int, uuid.UUID | None, int]],
        items: dict[uuid.UUID, SettlementItem],
        *,
        rule: MatchRule,
        actor: str,
    ) -> list[Allocation]:
        now = self.clock()
        batch_id = uuid.uuid4()
        rows = []
        for order_id, fen, invoice_id, shortfall in shares:
            item = items[order_id]
            if fen > item.outstanding_fen:  # defence in depth: the caller checked
                raise Conflict(
                    f"order {item.order_no} owes less than {fen} fen", code="exceeds_outstanding"
                )
            item.outstanding_fen -= fen
            rows.append(
                Allocation(
                    id=uuid.uuid4(),
                    batch_id=batch_id,
                    receipt_id=receipt.id,
                    order_id=order_id,
                    order_no=item.order_no,
                    customer_org_id=item.customer_org_id,
                    invoice_id=invoice_id,
                    amount_fen=fen,
                    shortfall_fen=shortfall,
                    rule=rule.value,
                    allocated_by=actor,
                    allocated_at=now,
                )
            )
        total = sum(a.amount_fen for a in rows)
        if receipt.allocated_fen + total > receipt.amount_fen:
            raise Conflict("the receipt has less unallocated money", code="over_allocation")
        receipt.allocated_fen += total
        receipt.status = status_of(receipt.amount_fen, receipt.allocated_fen).value
        receipt.to_check = False
        receipt.customer_org_id = rows[0].customer_org_id
        for row in rows:
            self.repo.add(row)
        await self.repo.session.flush()
        await post_entry(
            self.repo.session,
            legal_entity=receipt.legal_entity,
            entry_date=today_shanghai(self.clock),
            source_type=ALLOCATION,
            source_id=str(batch_id),
            memo=f"收款 {receipt.receipt_no} 核销",
            lines=[
                # The money is the customer's whose orders it settles.
                PostingLine(receipt.ledger_account, debit_fen=fen, counterparty_org_id=org)
                for org, fen in _by_customer(rows)
            ]
            + [
                PostingLine(
                    items[a.order_id].account_code,
                    credit_fen=a.amount_fen,
                    counterparty_org_id=a.customer_org_id,
                    memo=a.order_no,
                )
                for a in rows
            ],
            actor=actor,
            clock=self.clock,
        )
        await self.outbox.add(
            self.repo.session,
            new_event(
                "finance.receipt.allocated",
                ReceiptAllocatedV1(
                    amount=Money.from_fen(total),
                    orders=[
                        OrderShare(order_id=a.order_id, amount=Money.from_fen(a.amount_fen))
                        for a in rows
                    ],
                    allocation_id=batch_id,
                    receipt_id=receipt.id,
                    receipt_no=receipt.receipt_no,
                    allocated_by=actor,
                ),
                producer="finance",
                aggregate_id=receipt.id,
                org_id=receipt.customer_org_id,
                correlation_id=correlation_id_var.get(),
            ),
        )
        return rows

    async def _learn_payer(self, receipt: Receipt, org: uuid.UUID, actor: str) -> None:
        if not receipt.payer_name:
            return
        known = await self.repo.payer_account(receipt.payer_name, receipt.payer_account)
        if known is None:
            self.repo.add(
                PayerAccount(
                    id=uuid.uuid4(),
                    payer_name=receipt.payer_name,
                    payer_account=receipt.payer_account,
                    customer_org_id=org,
                    created_by=actor,
                    created_at=self.clock(),
                )
            )

    async def unallocate(
        self, receipt_id: uuid.UUID, batch_id: uuid.UUID, reason: str, principal: Principal
    ) -> ReceiptRead:
        """Take an allocation step back (unmatch): the orders owe again, the receipt returns to
        the "to check" queue when nothing stays allocated, and a reversing entry is posted.

        The v1 event contracts have no "unallocated" event: the order center is not told."""
        await take_write_lock(self.repo.session)
        receipt = await self._visible(receipt_id, principal, lock=True)
        rows = [
            a
            for a in await self.repo.allocations(receipt.id)
            if a.batch_id == batch_id and a.reversed_at is None
        ]
        if not rows:
            raise NotFound(
                f"Receipt {receipt.receipt_no} has no standing allocation {batch_id}.",
                code="allocation_not_found",
            )
        items = await self.repo.items([a.order_id for a in rows])
        now = self.clock()
        total = 0
        for a in rows:
            items[a.order_id].outstanding_fen += a.amount_fen
            a.reversed_at, a.reversed_by, a.reversal_reason = now, principal.subject, reason
            total += a.amount_fen
        receipt.allocated_fen -= total
        receipt.status = status_of(receipt.amount_fen, receipt.allocated_fen).value
        if receipt.allocated_fen == 0:
            receipt.to_check = True
        await self.repo.session.flush()
        await post_entry(
            self.repo.session,
            legal_entity=receipt.legal_entity,
            entry_date=today_shanghai(self.clock),
            source_type=UNALLOCATION,
            source_id=str(batch_id),
            memo=f"冲销收款核销 {receipt.receipt_no}: {reason}",
            lines=[
                PostingLine(
                    items[a.order_id].account_code,
                    debit_fen=a.amount_fen,
                    counterparty_org_id=a.customer_org_id,
                    memo=a.order_no,
                )
                for a in rows
            ]
            + [
                PostingLine(receipt.ledger_account, credit_fen=fen, counterparty_org_id=org)
                for org, fen in _by_customer(rows)
            ],
            actor=principal.subject,
            clock=self.clock,
        )
        return self.read(receipt, await self.repo.allocations(receipt.id))

    # payers and settings ----------------------------------------------------------------
    async def add_payer(self, body: PayerAccountWrite, principal: Principal) -> PayerAccountRead:
        if not principal.may_see_org(body.customer_org_id):
            raise _fail(
                "body.customer_org_id", "org_not_visible", "you may not name that institution"
            )
        known = await self.repo.payer_account(body.payer_name, body.payer_account)
        if known is not None:
            raise Conflict(
                f"Payer {body.payer_name} {body.payer_account} is already known.",
                code="payer_exists",
            )
        row = PayerAccount(
            id=uuid.uuid4(),
            payer_name=body.payer_name,
            payer_account=body.payer_account,
            customer_org_id=body.customer_org_id,
            created_by=principal.subject,
            created_at=self.clock(),
        )
        self.repo.add(row)
        await self.repo.session.flush()
        return PayerAccountRead.model_validate(row)

    async def payers(self, principal: Principal) -> list[PayerAccountRead]:
        return [
            PayerAccountRead.model_validate(p)
            for p in await self.repo.all_payer_accounts(principal)
        ]

    async def settings(self) -> MatchingSettingsRead:
        row = await self.repo.setting(TOLERANCE_KEY)
        if row is None:
            return MatchingSettingsRead(
                underpayment_tolerance=to_yuan(0),
                updated_by="default",
                updated_at=self.clock(),
            )
        return MatchingSettingsRead(
            underpayment_tolerance=to_yuan(row.value),
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )

    async def set_tolerance(self, fen: int, principal: Principal) -> MatchingSettingsRead:
        row = await self.repo.setting(TOLERANCE_KEY)
        if row is None:
            row = CashSetting(key=TOLERANCE_KEY)
            self.repo.add(row)
        row.value, row.updated_by, row.updated_at = fen, principal.subject, self.clock()
        await self.repo.session.flush()
        return await self.settings()


def _may_see(principal: Principal, org: uuid.UUID | None) -> bool:
    # Money from an unknown payer is seen by the platform's operators only.
    return principal.platform_operator if org is None else principal.may_see_org(org)


def allocation_read(a: Allocation) -> AllocationRead:
    return AllocationRead(
        id=a.id,
        batch_id=a.batch_id,
        receipt_id=a.receipt_id,
        order_id=a.order_id,
        order_no=a.order_no,
        customer_org_id=a.customer_org_id,
        invoice_id=a.invoice_id,
        amount=to_yuan(a.amount_fen),
        shortfall=to_yuan(a.shortfall_fen),
        rule=a.rule,
        allocated_by=a.allocated_by,
        allocated_at=a.allocated_at,
        reversed_by=a.reversed_by,
        reversed_at=a.reversed_at,
        reversal_reason=a.reversal_reason,
    )


def _allocated_event(
    batch_id: uuid.UUID, row: dict[str, Any], match: Match, actor: str, org: uuid.UUID
) -> Any:
    total = sum(s.amount_fen for s in match.shares)
    return new_event(
        "finance.receipt.allocated",
        ReceiptAllocatedV1(
            amount=Money.from_fen(total),
            orders=[
                OrderShare(order_id=s.order.order_id, amount=Money.from_fen(s.amount_fen))
                for s in match.shares
            ],
            allocation_id=batch_id,
            receipt_id=row["id"],
            receipt_no=row["receipt_no"],
            allocated_by=actor,
        ),
        producer="finance",
        aggregate_id=row["id"],
        org_id=org,
        correlation_id=correlation_id_var.get(),
    )
