"""Invoice applications, issuing, rejection and red-letter reversal (开票申请 → 开票 / 驳回 / 红冲).

Rules kept here:
- an order is invoiced at most up to its amount: applications take the order's un-invoiced
  remainder (amount − pending applications − net invoiced) under a row lock on its settlement
  item, so concurrent applications cannot over-invoice it;
- red-letter invoices reverse at most what a blue invoice still has, per order, exactly (the
  last reversal takes the remaining tax, so a full reversal leaves nothing behind);
- every status change goes out on `finance.invoice` through the outbox, in the same
  transaction, and every issued or red invoice posts its journal entry.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finance.invoices.models import (
    ApplicationStatus,
    BuyerProfile,
    Invoice,
    InvoiceApplication,
    InvoiceApplicationLine,
    InvoiceKind,
    InvoiceShare,
)
from finance.invoices.repository import InvoiceRepository
from finance.invoices.schemas import (
    ApplicationLineRead,
    ApplicationRead,
    ApplicationWrite,
    Buyer,
    BuyerRead,
    InvoiceRead,
    InvoiceType,
    IssueWrite,
    RedLetterWrite,
    ShareRead,
)
from finance.ledger import posting
from finance.ledger.posting import PostingLine, today_shanghai
from finance.ledger.repository import LedgerRepository
from finance.settlement.models import SettlementItem
from finance.settlement.refs import resolve_order_ids
from servicekit.auth import Principal
from servicekit.clock import Clock, utc_now
from servicekit.errors import Conflict, NotFound, Unprocessable
from servicekit.messaging import Outbox
from servicekit.observability import request_id_var
from shared_schemas import (
    EventEnvelope,
    InvoiceAppliedV1,
    InvoiceIssuedV1,
    InvoiceRejectedV1,
    InvoiceReversedV1,
    Money,
    OrderDirection,
    OrderShare,
    RedInvoiceReason,
    SellingEntity,
    SettlementListCreatedV1,
    new_event,
)
from shared_schemas.owed import amount_owed

log = logging.getLogger("finance.invoices")

PRODUCER = "finance"
SOURCE_BLUE = "invoice"
SOURCE_RED = "red_invoice"
REVENUE_ACCOUNT = "6001"  # 主营业务收入
OUTPUT_VAT_ACCOUNT = "2221"  # 应交税费—应交增值税(销项税额)
#: Applications made from settlement lists (channel promotion, plates, technical services) are
#: issued by the technology company, for modern services at 6% (信息技术服务, 其他现代服务).
LIST_SELLER = SellingEntity.technology_company
LIST_TAX_CODE = "3040201990000000000"
LIST_TAX_RATE_BP = 600


class InvoiceProblem(Unprocessable):
    code = "invoice_invalid"


def tax_inside(amount_fen: int, rate_bp: int) -> int:
    """VAT inside a tax-inclusive amount, rounded half up to the fen: amount × r / (1 + r)."""
    numerator = amount_fen * rate_bp
    denominator = 10_000 + rate_bp
    return (2 * numerator + denominator) // (2 * denominator)


def _share_of(part: int, whole_part: int, whole: int) -> int:
    """part × whole_part / whole, rounded half up (all non-negative, whole > 0)."""
    return (2 * part * whole_part + whole) // (2 * whole)


def _money(fen: int) -> Money:
    return Money.from_fen(fen)


@dataclass(frozen=True)
class LineIn:
    order_id: uuid.UUID
    description: str
    tax_code: str
    tax_rate_bp: int
    amount_fen: int


class InvoiceService:
    def __init__(
        self, repository: InvoiceRepository, outbox: Outbox, clock: Clock = utc_now
    ) -> None:
        self.repo = repository
        self.outbox = outbox
        self.clock = clock

    # -- applying -----------------------------------------------------------------------------

    async def apply(self, data: ApplicationWrite, principal: Principal) -> ApplicationRead:
        order_ids = await resolve_order_ids(self.repo.session, data.lines, principal, "body.lines")
        buyer = data.buyer
        if buyer is None:  # the institution's invoicing details, if it has any
            customers = {i.customer_org_id for i in (await self.repo.lock_items(
                order_ids)).values()}  # fmt: skip
            if len(customers) == 1:
                profile = await self.repo.buyer(customers.pop())
                buyer = None if profile is None else _buyer(profile)
        application = await self._create(
            legal_entity=data.legal_entity,
            invoice_type=data.invoice_type,
            buyer=buyer,
            lines=[
                LineIn(
                    order_id=order_id,
                    description=line.description,
                    tax_code=line.tax_code,
                    tax_rate_bp=int(line.tax_rate * 10_000),
                    amount_fen=Money(amount=line.amount).fen,
                )
                for line, order_id in zip(data.lines, order_ids, strict=True)
            ],
            note=data.note,
            settlement_list_id=None,
            actor=principal.subject,
            principal=principal,
            correlation_id=request_id_var.get(),
            causation_id=None,
        )
        return await self._read(application)

    async def apply_for_settlement_list(
        self, event: EventEnvelope[SettlementListCreatedV1], item: SettlementItem
    ) -> None:
        """The invoice application a settlement list asks for (once per list)."""
        listed = event.payload
        if await self.repo.application_for_list(listed.settlement_list_id) is not None:
            return
        locked = (await self.repo.lock_items([item.order_id]))[item.order_id]
        remainder = _remainder(locked)
        if remainder <= 0:
            log.warning(
                "settlement list %s: order %s has nothing left to invoice; no application",
                listed.list_no,
                listed.order_no,
            )
            return
        profile = await self.repo.buyer(listed.customer_org_id)
        await self._create(
            legal_entity=LIST_SELLER,
            invoice_type=InvoiceType.vat_normal,
            buyer=None if profile is None else _buyer(profile),
            lines=[
                LineIn(
                    order_id=listed.order_id,
                    description=f"{listed.category.label_zh} 结算清单 {listed.list_no}"[:200],
                    tax_code=LIST_TAX_CODE,
                    tax_rate_bp=LIST_TAX_RATE_BP,
                    amount_fen=min(listed.amount.fen, remainder),
                )
            ],
            note=f"结算清单 {listed.list_no}（{listed.order_count} 笔订单，签单日期 "
            f"{listed.sign_date_from} 至 {listed.sign_date_to}）",
            settlement_list_id=listed.settlement_list_id,
            actor=listed.created_by,
            principal=None,
            correlation_id=event.correlation_id,
            causation_id=str(event.event_id),
        )

    async def _create(
        self,
        *,
        legal_entity: SellingEntity,
        invoice_type: InvoiceType,
        buyer: Buyer | None,
        lines: Sequence[LineIn],
        note: str | None,
        settlement_list_id: uuid.UUID | None,
        actor: str,
        principal: Principal | None,
        correlation_id: str | None,
        causation_id: str | None,
    ) -> InvoiceApplication:
        items = await self.repo.lock_items([line.order_id for line in lines])
        errors: list[dict[str, Any]] = []
        requested: dict[uuid.UUID, int] = defaultdict(int)
        customers: set[uuid.UUID] = set()
        for i, line in enumerate(lines):
            item = items.get(line.order_id)
            if item is None or (principal is not None and not principal.may_see_org(
                item.customer_org_id
            )):  # fmt: skip
                errors.append(_err(f"body.lines[{i}].order_id", "unknown_order",
                                   f"finance has no order {line.order_id} that you may see"))  # fmt: skip
                continue
            if item.direction != OrderDirection.receivable.value:
                errors.append(_err(f"body.lines[{i}].order_id", "not_receivable",
                                   f"order {item.order_no} is payable; only receivable orders "
                                   "are invoiced"))  # fmt: skip
                continue
            customers.add(item.customer_org_id)
            requested[line.order_id] += line.amount_fen
            if requested[line.order_id] > _remainder(item):
                errors.append(_err(f"body.lines[{i}].amount", "exceeds_uninvoiced",
                                   f"order {item.order_no} has only "
                                   f"{_money(_remainder(item)).amount} left to invoice"))  # fmt: skip
        if len(customers) > 1:
            errors.append(_err("body.lines", "mixed_customers",
                               "all orders of one application must be with one institution"))  # fmt: skip
        if errors:
            raise InvoiceProblem(
                f"Invoice application refused: {errors[0]['message']}.", errors=errors
            )
        now = self.clock()
        day = today_shanghai(self.clock).strftime("%Y%m%d")
        number = await self.repo.next_application_number(day)
        application = InvoiceApplication(
            id=uuid.uuid4(),
            application_no=f"IA{day}{number:06d}",
            legal_entity=legal_entity.value,
            customer_org_id=customers.pop(),
            invoice_type=invoice_type.value,
            amount_fen=sum(line.amount_fen for line in lines),
            tax_fen=sum(tax_inside(line.amount_fen, line.tax_rate_bp) for line in lines),
            status=ApplicationStatus.applied.value,
            note=note,
            settlement_list_id=settlement_list_id,
            applied_by=actor[:120],
            applied_at=now,
        )
        _set_buyer(application, buyer)
        application.lines = [
            InvoiceApplicationLine(
                application_id=application.id,
                line_no=n,
                order_id=line.order_id,
                description=line.description,
                tax_code=line.tax_code,
                tax_rate_bp=line.tax_rate_bp,
                amount_fen=line.amount_fen,
                tax_fen=tax_inside(line.amount_fen, line.tax_rate_bp),
            )
            for n, line in enumerate(lines, start=1)
        ]
        for order_id, fen in requested.items():
            items[order_id].invoice_pending_fen += fen
        self.repo.add(application)
        await self.repo.flush()
        await self._publish(
            "finance.invoice.applied",
            InvoiceAppliedV1(
                amount=_money(application.amount_fen),
                orders=_shares(requested),
                application_id=application.id,
                application_no=application.application_no,
                applied_by=actor,
            ),
            application,
            correlation_id,
            causation_id,
        )
        return application

    # -- deciding -----------------------------------------------------------------------------

    async def withdraw(
        self, application_id: uuid.UUID, reason: str, principal: Principal
    ) -> ApplicationRead:
        return await self._turn_down(application_id, reason, principal, withdrawn=True)

    async def reject(
        self, application_id: uuid.UUID, reason: str, principal: Principal
    ) -> ApplicationRead:
        return await self._turn_down(application_id, reason, principal, withdrawn=False)

    async def _turn_down(
        self, application_id: uuid.UUID, reason: str, principal: Principal, *, withdrawn: bool
    ) -> ApplicationRead:
        application = await self._pending(application_id, principal)
        shares = _order_totals(application)
        items = await self.repo.lock_items(list(shares))
        for order_id, fen in shares.items():
            items[order_id].invoice_pending_fen -= fen
        status = ApplicationStatus.withdrawn if withdrawn else ApplicationStatus.rejected
        self._decide(application, status, principal.subject, reason)
        await self.repo.flush()
        await self._publish(
            "finance.invoice.rejected",
            InvoiceRejectedV1(
                amount=_money(application.amount_fen),
                orders=_shares(shares),
                application_id=application.id,
                application_no=application.application_no,
                reason=reason,
                withdrawn=withdrawn,
                rejected_by=principal.subject,
            ),
            application,
            request_id_var.get(),
            None,
        )
        return await self._read(application)

    async def issue(
        self, application_id: uuid.UUID, data: IssueWrite, principal: Principal
    ) -> ApplicationRead:
        application = await self._pending(application_id, principal)
        if data.buyer is not None:  # the clerk's correction for this invoice
            _set_buyer(application, data.buyer)
        elif not (application.buyer_name and application.buyer_tax_id):
            # Applied before the institution's invoicing details were saved: use them now.
            profile = await self.repo.buyer(application.customer_org_id)
            if profile is not None:
                _set_buyer(application, _buyer(profile))
        if not (application.buyer_name and application.buyer_tax_id):
            raise InvoiceProblem(
                "No buyer for the invoice: the institution has no invoicing details; save them "
                "or give the buyer with the invoice.",
                code="buyer_missing",
                errors=[_err("body.buyer", "buyer_missing",
                             "the buyer's name and tax id are required")],
            )  # fmt: skip
        if application.invoice_type == InvoiceType.vat_special.value and not (
            application.buyer_address and application.buyer_bank_account
        ):
            raise InvoiceProblem(
                "A special VAT invoice needs the buyer's address and bank account.",
                code="buyer_incomplete",
                errors=[_err("body.buyer.bank_account", "required",
                             "a special VAT invoice needs the buyer's address and bank account")],
            )  # fmt: skip
        await self._number_free(data.invoice_no, "body.invoice_no")
        shares = _order_totals(application)
        taxes = _order_totals(application, tax=True)
        items = await self.repo.lock_items(list(shares))
        for order_id, fen in shares.items():
            items[order_id].invoice_pending_fen -= fen
            _invoice(items[order_id], +fen)
        invoice_id = uuid.uuid4()
        entry = await _post(
            LedgerRepository(self.repo.session),
            legal_entity=application.legal_entity,
            entry_date=data.issue_date,
            source_type=SOURCE_BLUE,
            source_id=str(invoice_id),
            memo=f"开票 {data.invoice_no} {application.buyer_name}",
            lines=_sale_lines(application.customer_org_id, items, shares, taxes, sign=+1),
            actor=principal.subject,
            clock=self.clock,
        )
        invoice = Invoice(
            id=invoice_id,
            invoice_no=data.invoice_no,
            kind=InvoiceKind.blue.value,
            application_id=application.id,
            original_invoice_id=None,
            legal_entity=application.legal_entity,
            customer_org_id=application.customer_org_id,
            amount_fen=application.amount_fen,
            tax_fen=application.tax_fen,
            reversed_fen=0,
            reversed_tax_fen=0,
            issue_date=data.issue_date,
            journal_entry_id=entry.id,
            issued_by=principal.subject,
            issued_at=self.clock(),
        )
        invoice.shares = [
            InvoiceShare(invoice_id=invoice_id, order_id=o, amount_fen=fen, tax_fen=taxes[o])
            for o, fen in sorted(shares.items())
        ]
        self._decide(application, ApplicationStatus.issued, principal.subject, None)
        self.repo.add(invoice)
        await self.repo.flush()
        await self._publish(
            "finance.invoice.issued",
            InvoiceIssuedV1(
                amount=_money(invoice.amount_fen),
                orders=_shares(shares),
                invoice_id=invoice.id,
                invoice_no=invoice.invoice_no,
                application_id=application.id,
                issued_by=principal.subject,
            ),
            application,
            request_id_var.get(),
            None,
        )
        return await self._read(application)

    async def red_letter(
        self, invoice_id: uuid.UUID, data: RedLetterWrite, principal: Principal
    ) -> InvoiceRead:
        blue = await self.repo.invoice(invoice_id, principal, lock=True)
        if blue is None or blue.kind != InvoiceKind.blue.value:
            raise NotFound(
                f"No blue invoice {invoice_id} that you may see.", code="invoice_not_found"
            )
        await self._number_free(data.red_invoice_no, "body.red_invoice_no")
        left = {s.order_id: (s.amount_fen, s.tax_fen) for s in blue.shares}
        for red in await self.repo.red_letters_of(blue.id):
            for s in red.shares:
                amount, tax = left[s.order_id]
                left[s.order_id] = (amount - s.amount_fen, tax - s.tax_fen)
        if data.orders is None:
            wanted = {o: amount for o, (amount, _) in left.items() if amount > 0}
            if not wanted:
                raise Conflict(
                    f"Invoice {blue.invoice_no} is already fully reversed.",
                    code="invoice_fully_reversed",
                )
        else:
            wanted, errors = {}, []
            ids = await resolve_order_ids(self.repo.session, data.orders, None, "body.orders")
            for i, (share, order_id) in enumerate(zip(data.orders, ids, strict=True)):
                fen = Money(amount=share.amount).fen
                field = "order_no" if share.order_no is not None else "order_id"
                if order_id not in left or order_id in wanted:
                    errors.append(_err(f"body.orders[{i}].{field}", "not_on_invoice",
                                       f"order {share.order_no or order_id} is not (or twice) "
                                       f"on invoice {blue.invoice_no}"))  # fmt: skip
                elif fen > left[order_id][0]:
                    errors.append(_err(f"body.orders[{i}].amount", "exceeds_unreversed",
                                       f"only {_money(left[order_id][0]).amount} of this "
                                       f"order is left on invoice {blue.invoice_no} to reverse"))  # fmt: skip
                else:
                    wanted[order_id] = fen
            if errors:
                raise InvoiceProblem(
                    f"Red-letter invoice refused: {errors[0]['message']}.", errors=errors
                )
        taxes = {
            o: left[o][1] if fen == left[o][0] else _share_of(fen, left[o][1], left[o][0])
            for o, fen in wanted.items()
        }
        items = await self.repo.lock_items(list(wanted))
        for order_id, fen in wanted.items():
            _invoice(items[order_id], -fen)
        red_id = uuid.uuid4()
        amount, tax = sum(wanted.values()), sum(taxes.values())
        entry = await _post(
            LedgerRepository(self.repo.session),
            legal_entity=blue.legal_entity,
            entry_date=data.issue_date,
            source_type=SOURCE_RED,
            source_id=str(red_id),
            memo=f"红字发票 {data.red_invoice_no} 冲 {blue.invoice_no} ({data.reason.label_zh})",
            lines=_sale_lines(blue.customer_org_id, items, wanted, taxes, sign=-1),
            actor=principal.subject,
            clock=self.clock,
        )
        red = Invoice(
            id=red_id,
            invoice_no=data.red_invoice_no,
            kind=InvoiceKind.red.value,
            application_id=blue.application_id,
            original_invoice_id=blue.id,
            legal_entity=blue.legal_entity,
            customer_org_id=blue.customer_org_id,
            amount_fen=amount,
            tax_fen=tax,
            reversed_fen=0,
            reversed_tax_fen=0,
            issue_date=data.issue_date,
            reason=data.reason.value,
            note=data.note,
            journal_entry_id=entry.id,
            issued_by=principal.subject,
            issued_at=self.clock(),
        )
        red.shares = [
            InvoiceShare(invoice_id=red_id, order_id=o, amount_fen=fen, tax_fen=taxes[o])
            for o, fen in sorted(wanted.items())
        ]
        blue.reversed_fen += amount
        blue.reversed_tax_fen += tax
        self.repo.add(red)
        await self.repo.flush()
        application = await self.repo.application(blue.application_id)
        assert application is not None
        await self._publish(
            "finance.invoice.reversed",
            InvoiceReversedV1(
                amount=_money(amount),
                orders=_shares(wanted),
                red_invoice_id=red.id,
                red_invoice_no=red.invoice_no,
                original_invoice_id=blue.id,
                original_invoice_no=blue.invoice_no,
                application_id=blue.application_id,
                reason=RedInvoiceReason(data.reason),
                note=data.note,
                reversed_by=principal.subject,
            ),
            application,
            request_id_var.get(),
            None,
        )
        return _invoice_read(red)

    # -- buyers -------------------------------------------------------------------------------

    async def set_buyer(
        self, customer_org_id: uuid.UUID, data: Buyer, principal: Principal
    ) -> BuyerRead:
        if not principal.may_see_org(customer_org_id):
            raise _org_not_visible(customer_org_id)
        profile = await self.repo.buyer(customer_org_id)
        if profile is None:
            profile = BuyerProfile(customer_org_id=customer_org_id)
            self.repo.add(profile)
        profile.name, profile.tax_id = data.name, data.tax_id
        profile.address, profile.bank_account = data.address, data.bank_account
        profile.updated_by, profile.updated_at = principal.subject, self.clock()
        await self.repo.flush()
        return BuyerRead.model_validate(profile)

    async def get_buyer(self, customer_org_id: uuid.UUID, principal: Principal) -> BuyerRead:
        if not principal.may_see_org(customer_org_id):
            raise _org_not_visible(customer_org_id)
        profile = await self.repo.buyer(customer_org_id)
        if profile is None:
            raise NotFound("The institution has no invoicing details yet.", code="buyer_not_found")
        return BuyerRead.model_validate(profile)

    async def list_buyers(self, principal: Principal) -> list[BuyerRead]:
        return [BuyerRead.model_validate(p) for p in await self.repo.buyers(principal)]

    # -- reading ------------------------------------------------------------------------------

    async def get(self, application_id: uuid.UUID, principal: Principal) -> ApplicationRead:
        application = await self.repo.application(application_id, principal)
        if application is None:
            raise _application_not_found(application_id)
        return await self._read(application)

    async def list(
        self,
        principal: Principal,
        *,
        customer_org_id: uuid.UUID | None,
        status: ApplicationStatus | None,
        order_id: uuid.UUID | None,
        limit: int,
        offset: int,
        number: str | None = None,
    ) -> list[ApplicationRead]:
        rows = await self.repo.applications(
            principal,
            customer_org_id=customer_org_id,
            status=None if status is None else status.value,
            order_id=order_id,
            number=None if number is None else (number.strip().upper() or None),
            limit=limit,
            offset=offset,
        )
        invoices = defaultdict(list)
        for invoice in await self.repo.invoices_of([a.id for a in rows]):
            invoices[invoice.application_id].append(invoice)
        return [_application_read(a, invoices[a.id]) for a in rows]

    async def get_invoice(self, invoice_id: uuid.UUID, principal: Principal) -> InvoiceRead:
        invoice = await self.repo.invoice(invoice_id, principal)
        if invoice is None:
            raise NotFound(f"No invoice {invoice_id} that you may see.", code="invoice_not_found")
        return _invoice_read(invoice)

    # -- helpers ------------------------------------------------------------------------------

    async def _pending(self, application_id: uuid.UUID, principal: Principal) -> InvoiceApplication:
        application = await self.repo.application(application_id, principal, lock=True)
        if application is None:
            raise _application_not_found(application_id)
        if application.status != ApplicationStatus.applied.value:
            raise Conflict(
                f"Application {application.application_no} is {application.status}; only an "
                "applied one can be issued, rejected or withdrawn.",
                code="application_not_pending",
            )
        return application

    async def _number_free(self, invoice_no: str, field: str) -> None:
        if await self.repo.invoice_by_no(invoice_no) is not None:
            raise Conflict(
                f"Invoice number {invoice_no} is already recorded.",
                code="invoice_no_taken",
                errors=[_err(field, "taken", "this invoice number is already recorded")],
            )

    def _decide(
        self,
        application: InvoiceApplication, status: ApplicationStatus, by: str, reason: str | None
    ) -> None:
        application.status = status.value
        application.decided_by = by[:120]
        application.decided_at = self.clock()
        application.decision_reason = reason

    async def _publish(
        self,
        event_type: str,
        payload: Any,
        application: InvoiceApplication,
        correlation_id: str | None,
        causation_id: str | None,
    ) -> None:
        event = new_event(
            event_type,
            payload,
            producer=PRODUCER,
            aggregate_id=application.id,  # one application's events stay in order
            org_id=application.customer_org_id,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        await self.outbox.add(self.repo.session, event)

    async def _read(self, application: InvoiceApplication) -> ApplicationRead:
        return _application_read(application, await self.repo.invoices_of([application.id]))


async def _post(repo: LedgerRepository, **kwargs: Any) -> Any:
    """Post an invoice's entry; a closed month is reported on the request's issue_date."""
    try:
        return await posting.post(repo, **kwargs)
    except posting.EntryRejected as rejected:
        if rejected.code != "period_closed":
            raise
        raise InvoiceProblem(
            rejected.detail,
            code="period_closed",
            errors=[_err("body.issue_date", "period_closed", "the month of issue_date is closed")],
        ) from None


def _invoice(item: SettlementItem, fen: int) -> None:
    """Invoiced net moves by `fen` (a blue invoice +, a red letter −), and what the order owes
    with it (shared_schemas.owed): outstanding keeps what was collected against the new due."""
    before = amount_owed(item.amount_fen, item.invoiced_fen)
    item.invoiced_fen += fen
    item.outstanding_fen += amount_owed(item.amount_fen, item.invoiced_fen) - before


def _org_not_visible(customer_org_id: uuid.UUID) -> NotFound:
    return NotFound(f"No institution {customer_org_id} that you may see.", code="org_not_visible")


def _remainder(item: SettlementItem) -> int:
    return item.amount_fen - item.invoice_pending_fen - item.invoiced_fen


def _err(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _application_not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(
        f"No invoice application {application_id} that you may see.",
        code="invoice_application_not_found",
    )


def _order_totals(application: InvoiceApplication, *, tax: bool = False) -> dict[uuid.UUID, int]:
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for line in application.lines:
        totals[line.order_id] += line.tax_fen if tax else line.amount_fen
    return dict(totals)


def _shares(by_order: dict[uuid.UUID, int]) -> list[OrderShare]:
    return [OrderShare(order_id=o, amount=_money(fen)) for o, fen in sorted(by_order.items())]


def _sale_lines(
    customer_org_id: uuid.UUID,
    items: dict[uuid.UUID, SettlementItem],
    amounts: dict[uuid.UUID, int],
    taxes: dict[uuid.UUID, int],
    *,
    sign: int,
) -> list[PostingLine]:
    """Dr receivable (per order) / Cr revenue, Cr output VAT — or the reverse for sign −1."""

    def line(code: str, fen: int, memo: str | None, *, debit: bool) -> PostingLine:
        if (sign > 0) == debit:
            return PostingLine(code, debit_fen=fen, counterparty_org_id=customer_org_id, memo=memo)
        return PostingLine(code, credit_fen=fen, counterparty_org_id=customer_org_id, memo=memo)

    out = [
        line(items[o].account_code, fen, items[o].order_no, debit=True)
        for o, fen in sorted(amounts.items())
    ]
    tax = sum(taxes.values())
    out.append(line(REVENUE_ACCOUNT, sum(amounts.values()) - tax, None, debit=False))
    if tax:
        out.append(line(OUTPUT_VAT_ACCOUNT, tax, None, debit=False))
    return out


def _buyer(profile: BuyerProfile) -> Buyer:
    return Buyer(
        name=profile.name,
        tax_id=profile.tax_id,
        address=profile.address,
        bank_account=profile.bank_account,
    )


def _set_buyer(application: InvoiceApplication, buyer: Buyer | None) -> None:
    application.buyer_name = None if buyer is None else buyer.name
    application.buyer_tax_id = None if buyer is None else buyer.tax_id
    application.buyer_address = None if buyer is None else buyer.address
    application.buyer_bank_account = None if buyer is None else buyer.bank_account


def _invoice_read(invoice: Invoice) -> InvoiceRead:
    return InvoiceRead(
        id=invoice.id,
        invoice_no=invoice.invoice_no,
        kind=InvoiceKind(invoice.kind),
        application_id=invoice.application_id,
        original_invoice_id=invoice.original_invoice_id,
        legal_entity=SellingEntity(invoice.legal_entity),
        customer_org_id=invoice.customer_org_id,
        amount=_money(invoice.amount_fen).amount,
        tax=_money(invoice.tax_fen).amount,
        reversed_amount=_money(invoice.reversed_fen).amount,
        issue_date=invoice.issue_date,
        reason=None if invoice.reason is None else RedInvoiceReason(invoice.reason),
        note=invoice.note,
        journal_entry_id=invoice.journal_entry_id,
        issued_by=invoice.issued_by,
        issued_at=invoice.issued_at,
        orders=[
            ShareRead(
                order_id=s.order_id,
                amount=_money(s.amount_fen).amount,
                tax=_money(s.tax_fen).amount,
            )
            for s in invoice.shares
        ],
    )


def _application_read(a: InvoiceApplication, invoices: Sequence[Invoice]) -> ApplicationRead:
    buyer = (
        Buyer(
            name=a.buyer_name,
            tax_id=a.buyer_tax_id,
            address=a.buyer_address,
            bank_account=a.buyer_bank_account,
        )
        if a.buyer_name and a.buyer_tax_id
        else None
    )
    return ApplicationRead(
        id=a.id,
        application_no=a.application_no,
        legal_entity=SellingEntity(a.legal_entity),
        customer_org_id=a.customer_org_id,
        invoice_type=InvoiceType(a.invoice_type),
        buyer=buyer,
        amount=_money(a.amount_fen).amount,
        tax=_money(a.tax_fen).amount,
        status=ApplicationStatus(a.status),
        note=a.note,
        settlement_list_id=a.settlement_list_id,
        applied_by=a.applied_by,
        applied_at=a.applied_at,
        decided_by=a.decided_by,
        decided_at=a.decided_at,
        decision_reason=a.decision_reason,
        lines=[
            ApplicationLineRead(
                line_no=line.line_no,
                order_id=line.order_id,
                description=line.description,
                tax_code=line.tax_code,
                tax_rate=Decimal(line.tax_rate_bp) / 10_000,
                amount=_money(line.amount_fen).amount,
                tax=_money(line.tax_fen).amount,
            )
            for line in a.lines
        ],
        invoices=[_invoice_read(i) for i in invoices],
    )
