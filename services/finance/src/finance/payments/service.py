"""Payment requests and their approval chain, fund transfers, staff withdrawals, institution
balances.

A payment request moves pending → approved (once the chain's level is reached) → paid, or
to rejected from pending or approved. The chain's level is fixed when the request is made:
from the configured amount up, that many distinct approvers, none of them the requester.
Paying publishes finance.payment.made and posts Dr payable (2202) / Cr bank (1002); the
bank's callback may arrive more than once and is answered the same each time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from finance.ledger.posting import SHANGHAI, PostingLine, post_entry, today_shanghai
from finance.payments.models import (
    ApprovalLevel,
    FundTransfer,
    OrgBalanceEntry,
    PayeeType,
    PaymentApproval,
    PaymentRequest,
    PaymentRequestLine,
    PaymentStatus,
    StaffCredit,
)
from finance.payments.repository import PaymentRepository
from finance.payments.schemas import (
    ApprovalLevelRead,
    ApprovalLevels,
    ApprovalRead,
    FundTransferCreate,
    FundTransferRead,
    OrgBalanceEntryRead,
    OrgBalanceRead,
    PaymentCallback,
    PaymentLineRead,
    PaymentRequestCreate,
    PaymentRequestRead,
    StaffBalanceRead,
    StaffCreditCreate,
    StaffCreditRead,
    TopUpCreate,
    WithdrawalCreate,
)
from finance.receipts.repository import take_write_lock
from finance.receipts.schemas import to_fen, to_yuan
from finance.settlement.accrual import accrue_payable, accrued_in
from finance.settlement.models import SettlementItem
from finance.settlement.refs import resolve_order_ids
from finance.statements.models import BankAccount
from finance.statements.repository import StatementRepository
from finance.statements.service import operators_only
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from servicekit.messaging import Outbox
from servicekit.observability import correlation_id_var
from shared_schemas import (
    Money,
    OrderShare,
    PaymentMadeV1,
    SellingEntity,
    StaffEarningAccruedV1,
    new_event,
)

log = logging.getLogger("finance.payments")
PAYMENT = "payment"
FUND_TRANSFER = "fund_transfer"
TOP_UP = "org_top_up"
INSTITUTION_BALANCES = "2241"


def _fail(field: str, code: str, message: str) -> Unprocessable:
    return Unprocessable(
        message, code=code, errors=[{"field": field, "code": code, "message": message}]
    )


def _number(prefix: str, now: datetime) -> str:
    # Human-readable and unique enough (unique constraint behind it): PR20261125 + 8 digits.
    return f"{prefix}{now.astimezone(SHANGHAI):%Y%m%d}{uuid.uuid4().int % 10**8:08d}"


class PaymentService:
    def __init__(
        self, repository: PaymentRepository, outbox: Outbox, clock: Clock = utc_now
    ) -> None:
        self.repo = repository
        self.outbox = outbox
        self.clock = clock
        self.accounts = StatementRepository(repository.session)

    # approval levels --------------------------------------------------------------------
    async def levels(self) -> list[ApprovalLevelRead]:
        return [
            ApprovalLevelRead(
                min_amount=to_yuan(level.min_amount_fen),
                approvals_required=level.approvals_required,
                updated_by=level.updated_by,
                updated_at=level.updated_at,
            )
            for level in await self.repo.levels()
        ]

    async def set_levels(
        self, body: ApprovalLevels, principal: Principal
    ) -> list[ApprovalLevelRead]:
        await take_write_lock(self.repo.session)
        operators_only(principal)
        now = self.clock()
        await self.repo.replace_levels(
            [
                ApprovalLevel(
                    min_amount_fen=to_fen(level.min_amount),
                    approvals_required=level.approvals_required,
                    updated_by=principal.subject,
                    updated_at=now,
                )
                for level in body.levels
            ]
        )
        return await self.levels()

    async def _approvals_needed(self, amount_fen: int) -> int:
        needed = 1
        for level in await self.repo.levels():
            if amount_fen >= level.min_amount_fen:
                needed = level.approvals_required
        return needed

    # payment requests -------------------------------------------------------------------
    async def _bank_account(self, account_no: str, field: str) -> BankAccount:
        account = await self.accounts.account(account_no)
        if account is None:
            raise _fail(
                field, "unknown_bank_account", f"bank account {account_no} is not registered"
            )
        return account

    async def create(
        self, body: PaymentRequestCreate, principal: Principal, *, origin: str = "request"
    ) -> PaymentRequestRead:
        await take_write_lock(self.repo.session)
        payer = await self._bank_account(body.payer_bank_account, "body.payer_bank_account")
        order_ids = await resolve_order_ids(self.repo.session, body.lines, principal, "body.lines")
        lines = [
            (order_id, to_fen(line.amount))
            for line, order_id in zip(body.lines, order_ids, strict=True)
        ]
        request = await self._new_request(
            lines,
            principal,
            payee=body.payee.model_dump(),
            payer=payer,
            origin=origin,
            merchant_order_no=body.merchant_order_no,
            note=body.note,
            field_prefix="body.lines",
        )
        return await self.read(request)

    async def _new_request(
        self,
        lines: Sequence[tuple[uuid.UUID, int]],
        principal: Principal,
        *,
        payee: dict[str, Any],
        payer: BankAccount,
        origin: str,
        merchant_order_no: str | None,
        note: str | None,
        field_prefix: str,
        visible_only: bool = True,
    ) -> PaymentRequest:
        ids = [order_id for order_id, _ in lines]
        if len(set(ids)) != len(ids):
            raise _fail(field_prefix, "duplicate_order", "each order appears once")
        items = await self.repo.items(ids)
        claimed = await self.repo.requested_open(ids)
        orgs = set()
        for i, (order_id, fen) in enumerate(lines):
            item = items.get(order_id)
            if item is None or (visible_only and not principal.may_see_org(item.customer_org_id)):
                raise _fail(
                    f"{field_prefix}[{i}].order_id",
                    "order_not_found",
                    f"finance has no order {order_id} that you may see",
                )
            if item.direction != "payable":
                raise _fail(
                    f"{field_prefix}[{i}].order_id",
                    "not_payable",
                    f"order {item.order_no} is receivable; payments settle payables",
                )
            free = item.outstanding_fen - claimed.get(order_id, 0)
            if fen > free:
                raise _fail(
                    f"{field_prefix}[{i}].amount",
                    "exceeds_outstanding",
                    f"order {item.order_no} has {to_yuan(max(free, 0))} left to pay "
                    "(outstanding less open requests)",
                )
            entity = await accrued_in(self.repo.session, item)
            if entity is not None and entity != payer.legal_entity:
                # The payable is on another entity's books: paying it from this one would
                # leave one owing forever and the other owed less than nothing.
                raise _fail(
                    f"{field_prefix}[{i}].order_id",
                    "payer_other_legal_entity",
                    f"order {item.order_no} is owed by {SellingEntity(entity).label_zh}; pay "
                    "it from that entity's account",
                )
            orgs.add(item.customer_org_id)
        if len(orgs) != 1:
            raise _fail(
                field_prefix,
                "mixed_institutions",
                "a payment request pays the orders of one institution",
            )
        total = sum(fen for _, fen in lines)
        request = PaymentRequest(
            id=uuid.uuid4(),
            request_no=_number("PR", self.clock()),
            payee_type=payee["type"],
            payee_id=payee["id"],
            payee_name=payee["name"],
            payee_bank_account=payee["bank_account"],
            payee_bank_name=payee["bank_name"],
            payer_bank_account=payer.account_no,
            legal_entity=payer.legal_entity,
            customer_org_id=orgs.pop(),
            amount_fen=total,
            approvals_required=await self._approvals_needed(total),
            status=PaymentStatus.pending.value,
            origin=origin,
            merchant_order_no=merchant_order_no,
            note=note,
            requested_by=principal.subject,
            requested_at=self.clock(),
        )
        self.repo.add(request)
        await self.repo.session.flush()
        for order_id, fen in lines:
            self.repo.add(
                PaymentRequestLine(
                    request_id=request.id,
                    order_id=order_id,
                    order_no=items[order_id].order_no,
                    amount_fen=fen,
                )
            )
        await self.repo.session.flush()
        return request

    async def _visible(
        self, request_id: uuid.UUID, principal: Principal, *, lock: bool = False
    ) -> PaymentRequest:
        request = await self.repo.request(request_id, lock=lock)
        if request is None or not principal.may_see_org(request.customer_org_id):
            raise NotFound(
                f"No payment request {request_id} that you may see.",
                code="payment_request_not_found",
            )
        return request

    async def get(self, request_id: uuid.UUID, principal: Principal) -> PaymentRequestRead:
        return await self.read(await self._visible(request_id, principal))

    async def requests(self, principal: Principal, **filters: Any) -> list[PaymentRequestRead]:
        rows = await self.repo.requests(principal, **filters)
        return await self.read_many(rows)

    async def read(self, request: PaymentRequest) -> PaymentRequestRead:
        return (await self.read_many([request]))[0]

    async def read_many(self, rows: Sequence[PaymentRequest]) -> list[PaymentRequestRead]:
        ids = [r.id for r in rows]
        lines = await self.repo.lines(ids) if ids else []
        approvals = await self.repo.approvals(ids) if ids else []
        out = []
        for r in rows:
            out.append(
                PaymentRequestRead(
                    id=r.id,
                    request_no=r.request_no,
                    payee_type=r.payee_type,
                    payee_id=r.payee_id,
                    payee_name=r.payee_name,
                    payee_bank_account=r.payee_bank_account,
                    payee_bank_name=r.payee_bank_name,
                    payer_bank_account=r.payer_bank_account,
                    legal_entity=r.legal_entity,
                    customer_org_id=r.customer_org_id,
                    amount=to_yuan(r.amount_fen),
                    approvals_required=r.approvals_required,
                    status=r.status,
                    origin=r.origin,
                    merchant_order_no=r.merchant_order_no,
                    note=r.note,
                    requested_by=r.requested_by,
                    requested_at=r.requested_at,
                    bank_reference=r.bank_reference,
                    paid_by=r.paid_by,
                    paid_at=r.paid_at,
                    rejected_by=r.rejected_by,
                    rejected_at=r.rejected_at,
                    reject_reason=r.reject_reason,
                    lines=[
                        PaymentLineRead(
                            order_id=x.order_id, order_no=x.order_no, amount=to_yuan(x.amount_fen)
                        )
                        for x in lines
                        if x.request_id == r.id
                    ],
                    approvals=[
                        ApprovalRead(
                            approver=a.approver,
                            step=a.step,
                            comment=a.comment,
                            approved_at=a.approved_at,
                        )
                        for a in approvals
                        if a.request_id == r.id
                    ],
                )
            )
        return out

    async def approve(
        self, request_id: uuid.UUID, comment: str | None, principal: Principal
    ) -> PaymentRequestRead:
        await take_write_lock(self.repo.session)
        request = await self._visible(request_id, principal, lock=True)
        if request.status != PaymentStatus.pending.value:
            raise Conflict(
                f"Payment request {request.request_no} is {request.status}; only "
                "pending requests are approved.",
                code="not_pending",
            )
        if principal.subject == request.requested_by:
            raise Forbidden("You cannot approve your own payment request.", code="own_request")
        given = await self.repo.approvals([request.id])
        if any(a.approver == principal.subject for a in given):
            raise Conflict(
                "You have already approved this payment request; another approver "
                "must give the next approval.",
                code="already_approved",
            )
        self.repo.add(
            PaymentApproval(
                request_id=request.id,
                approver=principal.subject,
                step=len(given) + 1,
                comment=comment,
                approved_at=self.clock(),
            )
        )
        if len(given) + 1 >= request.approvals_required:
            request.status = PaymentStatus.approved.value
        await self.repo.session.flush()
        return await self.read(request)

    async def reject(
        self, request_id: uuid.UUID, reason: str, principal: Principal
    ) -> PaymentRequestRead:
        await take_write_lock(self.repo.session)
        request = await self._visible(request_id, principal, lock=True)
        if request.status not in (PaymentStatus.pending.value, PaymentStatus.approved.value):
            raise Conflict(
                f"Payment request {request.request_no} is {request.status}.", code="not_open"
            )
        request.status = PaymentStatus.rejected.value
        request.rejected_by, request.rejected_at = principal.subject, self.clock()
        request.reject_reason = reason
        if request.origin == "withdrawal":
            # The staff member's balance is theirs again.
            lines = await self.repo.lines([request.id])
            credits = {
                c.order_id: c
                for c in await self.repo.credits_of_orders([x.order_id for x in lines])
            }
            for line in lines:
                credits[line.order_id].withdrawn_fen -= line.amount_fen
        await self.repo.session.flush()
        return await self.read(request)

    async def pay(
        self, request_id: uuid.UUID, body: PaymentCallback, principal: Principal
    ) -> PaymentRequestRead:
        await take_write_lock(self.repo.session)
        request = await self._visible(request_id, principal, lock=True)
        if request.status == PaymentStatus.paid.value:
            if request.bank_reference == body.bank_reference:
                return await self.read(request)  # the same callback again: same answer
            raise Conflict(
                f"Payment request {request.request_no} was paid with bank reference "
                f"{request.bank_reference}, not {body.bank_reference}.",
                code="paid_with_other_reference",
            )
        if request.status != PaymentStatus.approved.value:
            raise Conflict(
                f"Payment request {request.request_no} is {request.status}; only "
                "approved requests are paid.",
                code="not_approved",
            )
        other = await self.repo.by_bank_reference(body.bank_reference)
        if other is not None:
            raise _fail(
                "body.bank_reference",
                "bank_reference_used",
                f"bank reference {body.bank_reference} paid {other.request_no}",
            )
        if body.paid_at is not None and body.paid_at.tzinfo is None:
            raise _fail("body.paid_at", "timezone_required", "give paid_at with its zone")
        lines = await self.repo.lines([request.id])
        items = await self.repo.items([x.order_id for x in lines])
        for i, line in enumerate(lines):
            item = items[line.order_id]
            if line.amount_fen > item.outstanding_fen:
                raise Conflict(
                    f"order {item.order_no} owes only {to_yuan(item.outstanding_fen)} "
                    f"now (line {i})",
                    code="exceeds_outstanding",
                )
            item.outstanding_fen -= line.amount_fen
        now = self.clock()
        request.status = PaymentStatus.paid.value
        request.bank_reference = body.bank_reference
        request.paid_by = principal.subject
        request.paid_at = (body.paid_at or now).astimezone(UTC)
        await self.repo.session.flush()
        payer = await self._bank_account(request.payer_bank_account, "payer_bank_account")
        for x in lines:  # paid before anyone confirmed it: accrue it now, in the payer's books
            await accrue_payable(
                self.repo.session, items[x.order_id], legal_entity=request.legal_entity,
                actor=principal.subject, clock=self.clock,
            )  # fmt: skip
        await post_entry(
            self.repo.session,
            legal_entity=request.legal_entity,
            entry_date=today_shanghai(self.clock),
            source_type=PAYMENT,
            source_id=str(request.id),
            memo=f"付款 {request.request_no} {request.payee_name}",
            lines=[
                PostingLine(
                    items[x.order_id].account_code,
                    debit_fen=x.amount_fen,
                    counterparty_org_id=request.customer_org_id,
                    memo=x.order_no,
                )
                for x in lines
            ]
            + [
                PostingLine(
                    payer.ledger_account,
                    credit_fen=request.amount_fen,
                    counterparty_org_id=request.customer_org_id,
                )
            ],
            actor=principal.subject,
            clock=self.clock,
        )
        await self.outbox.add(
            self.repo.session,
            new_event(
                "finance.payment.made",
                PaymentMadeV1(
                    amount=Money.from_fen(request.amount_fen),
                    orders=[
                        OrderShare(order_id=x.order_id, amount=Money.from_fen(x.amount_fen))
                        for x in lines
                    ],
                    payment_id=request.id,
                    payment_no=request.request_no,
                    paid_by=principal.subject,
                ),
                producer="finance",
                aggregate_id=request.id,
                org_id=request.customer_org_id,
                correlation_id=correlation_id_var.get(),
            ),
        )
        return await self.read(request)

    # fund transfers ---------------------------------------------------------------------
    async def transfer(self, body: FundTransferCreate, principal: Principal) -> FundTransferRead:
        await take_write_lock(self.repo.session)
        operators_only(principal)
        known = await self.repo.transfer_by_reference(body.bank_reference)
        if known is not None:
            if (known.from_account, known.to_account, known.amount_fen) != (
                body.from_account,
                body.to_account,
                to_fen(body.amount),
            ):
                raise Conflict(
                    f"Bank reference {body.bank_reference} recorded another transfer.",
                    code="bank_reference_used",
                )
            return _transfer_read(known)  # recorded once
        source = await self._bank_account(body.from_account, "body.from_account")
        target = await self._bank_account(body.to_account, "body.to_account")
        if source.account_no == target.account_no:
            raise _fail(
                "body.to_account", "same_account", "a transfer moves money between two accounts"
            )
        if source.legal_entity != target.legal_entity:
            raise _fail(
                "body.to_account",
                "other_legal_entity",
                "both accounts must belong to the same company (an inter-company loan "
                "is not a fund transfer)",
            )
        if body.transferred_at.tzinfo is None:
            raise _fail("body.transferred_at", "timezone_required", "give the time with its zone")
        now = self.clock()
        row = FundTransfer(
            id=uuid.uuid4(),
            transfer_no=_number("FT", self.clock()),
            from_account=source.account_no,
            to_account=target.account_no,
            amount_fen=to_fen(body.amount),
            bank_reference=body.bank_reference,
            memo=body.memo,
            transferred_at=body.transferred_at.astimezone(UTC),
            created_by=principal.subject,
            created_at=now,
        )
        self.repo.add(row)
        await self.repo.session.flush()
        await post_entry(
            self.repo.session,
            legal_entity=source.legal_entity,
            entry_date=today_shanghai(self.clock),
            source_type=FUND_TRANSFER,
            source_id=str(row.id),
            memo=f"资金转账 {row.transfer_no} {source.account_no}→{target.account_no}",
            lines=[
                PostingLine(
                    target.ledger_account, debit_fen=row.amount_fen, memo=target.account_no
                ),
                PostingLine(
                    source.ledger_account, credit_fen=row.amount_fen, memo=source.account_no
                ),
            ],
            actor=principal.subject,
            clock=self.clock,
        )
        return _transfer_read(row)

    async def transfers(self, principal: Principal, **filters: Any) -> list[FundTransferRead]:
        operators_only(principal)
        return [_transfer_read(t) for t in await self.repo.transfers(**filters)]

    # service staff's balances and withdrawals -------------------------------------------
    async def credit_staff(
        self, staff_id: str, ref: StaffCreditCreate, principal: Principal
    ) -> StaffBalanceRead:
        (order_id,) = await resolve_order_ids(
            self.repo.session, [ref], principal, "body", listed=False
        )
        await take_write_lock(self.repo.session)
        items = await self.repo.items([order_id])
        item = items.get(order_id)
        if item is None or not principal.may_see_org(item.customer_org_id):
            raise _fail("body.order_id", "order_not_found", f"no order {order_id} that you may see")
        if item.direction != "payable":
            raise _fail("body.order_id", "not_payable", f"order {item.order_no} is not payable")
        if await self.repo.credit(order_id) is not None:
            raise Conflict(
                f"Order {item.order_no} is already on a staff balance.", code="already_credited"
            )
        free = item.outstanding_fen - (await self.repo.requested_open([order_id])).get(order_id, 0)
        if free <= 0:
            raise _fail("body.order_id", "nothing_to_pay", f"order {item.order_no} owes nothing")
        self.repo.add(
            StaffCredit(
                order_id=order_id,
                order_no=item.order_no,
                staff_id=staff_id,
                customer_org_id=item.customer_org_id,
                amount_fen=free,
                withdrawn_fen=0,
                created_by=principal.subject,
                created_at=self.clock(),
            )
        )
        await self.repo.session.flush()
        return await self.staff_balance(staff_id, principal)

    async def accrue_staff_earning(
        self, earned: StaffEarningAccruedV1, item: SettlementItem, *, actor: str
    ) -> None:
        """The event's twin of `credit_staff` (no clerk): the payable order goes on the staff
        member's balance once — a repeat, or an order already on a balance, changes nothing.
        A business mismatch is logged, never retried (FLOWS.md: no dead letter for a business
        reason)."""
        await take_write_lock(self.repo.session)
        known = await self.repo.credit(earned.order_id)
        if known is not None:
            if known.staff_id != earned.staff_id:
                log.warning("order %s is already on %s's balance, not %s's",
                            item.order_no, known.staff_id, earned.staff_id)  # fmt: skip
            return
        if item.direction != "payable":
            log.warning("order %s is not payable; not put on a staff balance", item.order_no)
            return
        free = item.outstanding_fen - (await self.repo.requested_open([item.order_id])).get(
            item.order_id, 0
        )
        if free <= 0:
            log.warning("order %s owes nothing; not put on a staff balance", item.order_no)
            return
        self.repo.add(
            StaffCredit(
                order_id=item.order_id,
                order_no=item.order_no,
                staff_id=earned.staff_id,
                customer_org_id=item.customer_org_id,
                amount_fen=free,
                withdrawn_fen=0,
                created_by=actor,
                created_at=self.clock(),
            )
        )
        await self.repo.session.flush()

    async def staff_balance(self, staff_id: str, principal: Principal) -> StaffBalanceRead:
        _may_act_for_staff(staff_id, principal)
        credits = await self.repo.credits(staff_id)
        return StaffBalanceRead(
            staff_id=staff_id,
            balance=to_yuan(sum(c.amount_fen - c.withdrawn_fen for c in credits)),
            credits=[
                StaffCreditRead(
                    order_id=c.order_id,
                    order_no=c.order_no,
                    amount=to_yuan(c.amount_fen),
                    withdrawn=to_yuan(c.withdrawn_fen),
                )
                for c in credits
            ],
        )

    async def withdraw(
        self, staff_id: str, body: WithdrawalCreate, principal: Principal
    ) -> PaymentRequestRead:
        await take_write_lock(self.repo.session)
        _may_act_for_staff(staff_id, principal)
        payer = await self._bank_account(body.payer_bank_account, "body.payer_bank_account")
        credits = await self.repo.credits(staff_id, lock=True)
        wanted = to_fen(body.amount)
        balance = sum(c.amount_fen - c.withdrawn_fen for c in credits)
        if wanted > balance:
            raise _fail(
                "body.amount",
                "exceeds_balance",
                f"the balance is {to_yuan(balance)}, less than {body.amount}",
            )
        lines: list[tuple[uuid.UUID, int]] = []
        left = wanted
        # A request pays one institution's orders: draw on the oldest institution first.
        for c in credits:
            if left == 0:
                break
            if lines and c.customer_org_id != _org_of(lines[0][0], credits):
                continue
            take = min(c.amount_fen - c.withdrawn_fen, left)
            if take > 0:
                lines.append((c.order_id, take))
                c.withdrawn_fen += take
                left -= take
        if left:
            raise _fail(
                "body.amount",
                "spans_institutions",
                "withdraw at most what one institution's orders owe you at a time",
            )
        request = await self._new_request(
            lines,
            principal,
            payee={
                "type": PayeeType.service_staff.value,
                "id": staff_id,
                "name": body.staff_name,
                "bank_account": body.bank_account,
                "bank_name": body.bank_name,
            },
            payer=payer,
            origin="withdrawal",
            merchant_order_no=None,
            note="自主提现",
            field_prefix="body.amount",
            visible_only=False,  # the staff member's own credits, whoever the orders are with
        )
        return await self.read(request)

    # institution balances ---------------------------------------------------------------
    async def top_up(
        self, org_id: uuid.UUID, body: TopUpCreate, principal: Principal
    ) -> OrgBalanceRead:
        await take_write_lock(self.repo.session)
        operators_only(principal)
        known = await self.repo.entry_by_reference(body.reference)
        if known is not None:
            if (known.org_id, known.amount_fen) != (org_id, to_fen(body.amount)):
                raise Conflict(
                    f"Reference {body.reference} recorded another top-up.", code="reference_used"
                )
            return await self.org_balance(org_id, principal)
        account = await self._bank_account(body.bank_account, "body.bank_account")
        last = await self.repo.last_entry(org_id)
        fen = to_fen(body.amount)
        entry = OrgBalanceEntry(
            id=uuid.uuid4(),
            org_id=org_id,
            seq=1 if last is None else last.seq + 1,
            kind="top_up",
            amount_fen=fen,
            balance_after_fen=fen + (0 if last is None else last.balance_after_fen),
            reference=body.reference,
            bank_account=account.account_no,
            memo=body.memo,
            created_by=principal.subject,
            created_at=self.clock(),
        )
        try:
            async with self.repo.session.begin_nested():
                self.repo.add(entry)
        except IntegrityError as exc:
            raise Conflict(
                "Another change of this institution's balance was recorded at the "
                "same moment; try again.",
                code="balance_changed",
            ) from exc
        await post_entry(
            self.repo.session,
            legal_entity=account.legal_entity,
            entry_date=today_shanghai(self.clock),
            source_type=TOP_UP,
            source_id=str(entry.id),
            memo=f"机构充值 {body.reference}",
            lines=[
                PostingLine(account.ledger_account, debit_fen=fen, counterparty_org_id=org_id),
                PostingLine(INSTITUTION_BALANCES, credit_fen=fen, counterparty_org_id=org_id),
            ],
            actor=principal.subject,
            clock=self.clock,
        )
        return await self.org_balance(org_id, principal)

    async def org_balance(
        self, org_id: uuid.UUID, principal: Principal, limit: int = 100
    ) -> OrgBalanceRead:
        if not principal.may_see_org(org_id):
            raise NotFound(
                f"No balance of institution {org_id} that you may see.",
                code="org_balance_not_found",
            )
        entries = await self.repo.entries(org_id, limit)
        return OrgBalanceRead(
            org_id=org_id,
            balance=to_yuan(entries[0].balance_after_fen if entries else 0),
            entries=[
                OrgBalanceEntryRead(
                    seq=e.seq,
                    kind=e.kind,
                    amount=to_yuan(e.amount_fen),
                    balance_after=to_yuan(e.balance_after_fen),
                    reference=e.reference,
                    memo=e.memo,
                    created_by=e.created_by,
                    created_at=e.created_at,
                )
                for e in entries
            ],
        )


def _org_of(order_id: uuid.UUID, credits: Sequence[StaffCredit]) -> uuid.UUID:
    return next(c.customer_org_id for c in credits if c.order_id == order_id)


def _may_act_for_staff(staff_id: str, principal: Principal) -> None:
    # Self-service: a staff member sees and withdraws their own balance; operators any.
    if principal.subject != staff_id and not principal.platform_operator:
        raise Forbidden("This is another person's balance.", code="not_your_balance")


def _transfer_read(t: FundTransfer) -> FundTransferRead:
    return FundTransferRead(
        id=t.id,
        transfer_no=t.transfer_no,
        from_account=t.from_account,
        to_account=t.to_account,
        amount=to_yuan(t.amount_fen),
        bank_reference=t.bank_reference,
        memo=t.memo,
        transferred_at=t.transferred_at,
        created_by=t.created_by,
        created_at=t.created_at,
    )
