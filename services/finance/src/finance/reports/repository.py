"""All SQL of the reports: aggregations over journal lines (and invoices for output VAT).

Every figure is summed by the database; Python only shapes the rows. Account groups are code
prefixes, so sub-accounts (e.g. 112201) count with their parent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Uuid,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from finance.invoices.models import Invoice, InvoiceApplicationLine, InvoiceKind, InvoiceShare
from finance.ledger.models import ClosingBalance, JournalLine, LedgerAccount, LedgerClosing
from servicekit.auth import Principal, org_scope_clause

RECEIVABLE = ("1122",)  # 应收账款
PAYABLE = ("2202",)  # 应付账款
CASH = ("1002", "1012")  # 银行存款, 其他货币资金
OUTPUT_VAT = ("2221",)  # 应交税费—应交增值税(销项税额)

L = JournalLine
C = ClosingBalance


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _closed_through(closed_end: date | None, limit: date) -> date | None:
    """The last day up to which closed months' balances may stand in for lines: the end of the
    last closed month that ends on or before `limit`."""
    if closed_end is None:
        return None
    last_full = (
        limit
        if _next_month(limit) - timedelta(days=1) == limit
        else (limit.replace(day=1) - timedelta(days=1))
    )
    end = min(closed_end, last_full)
    first_possible = date(1900, 1, 31)
    return end if end >= first_possible else None


def _in(prefixes: Sequence[str], column: Any = L.account_code) -> ColumnElement[bool]:
    """Codes starting with a prefix: a range the (…, account_code, …) indexes can seek in
    whatever the collation (codes are digits), and the LIKE that makes it exact."""
    return or_(
        *(
            and_(column >= p, column < p[:-1] + chr(ord(p[-1]) + 1), column.like(f"{p}%"))
            for p in prefixes
        )
    )


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def _sum(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


@dataclass(frozen=True)
class Scope:
    legal_entity: str
    principal: Principal
    customer_org_id: uuid.UUID | None = None

    def where(self, query: Select[Any]) -> Select[Any]:
        """Journal lines of the legal entity that the caller may see (and of the customer)."""
        return self._org(query.where(L.legal_entity == self.legal_entity), L.counterparty_org_id)

    def balances(self, query: Select[Any]) -> Select[Any]:
        """Closed months' cumulative balances, scoped like the lines."""
        return self._org(query.where(C.legal_entity == self.legal_entity), C.counterparty_org_id)

    def invoices(self, query: Select[Any]) -> Select[Any]:
        return self._org(query, Invoice.customer_org_id)

    def _org(self, query: Select[Any], column: Any) -> Select[Any]:
        if self.customer_org_id is not None:
            query = query.where(column == self.customer_org_id)
        clause = org_scope_clause(column, self.principal)
        return query if clause is None else query.where(clause)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def closed_end(self, legal_entity: str) -> date | None:
        """Last day of the last closed month: every month up to it is in ledger_month_balances."""
        query = select(func.max(LedgerClosing.month)).where(
            LedgerClosing.legal_entity == legal_entity
        )
        month = (await self.session.execute(query)).scalar_one_or_none()
        return None if month is None else _next_month(month) - timedelta(days=1)

    async def summary(
        self, scope: Scope, date_from: date, date_to: date, *, by_customer: bool
    ) -> Sequence[Any]:
        """Receivables, payables, received, paid, revenue and cost in the period, and the
        receivable/payable balances at its end, per customer or in total.

        Sums per (customer, account) — period and to-date side by side — come from the closed
        months' balances where whole months allow and from journal lines for the rest; the few
        rows that leaves are then sorted into the groups."""
        end = _closed_through(await self.closed_end(scope.legal_entity), date_to)
        parts = [self._lines_part(scope, date_from, date_to, after=end, by_customer=by_customer)]
        if end is not None:
            covered = date_from if date_from.day == 1 else _next_month(date_from)
            in_period = covered <= end
            # To date: the last closed month's cumulative rows; in the period (its whole closed
            # months): those rows less the cumulative rows of the month before the period
            # (none before the first closing: no entry is dated before it).
            parts.append(
                self._cumulative_part(scope, end.replace(day=1), by_customer=by_customer,
                                      period=1 if in_period else 0, to_date=True)
            )  # fmt: skip
            if in_period:
                parts.append(
                    self._cumulative_part(scope, _previous_month(covered),
                                          by_customer=by_customer, period=-1, to_date=False)
                )  # fmt: skip
            if date_from < covered and date_from <= end:
                # the closed month the period starts inside: its period part from lines
                parts.append(
                    self._lines_part(
                        scope, date_from, min(covered - timedelta(days=1), end),
                        after=None, by_customer=by_customer, period_only=True,
                    )
                )  # fmt: skip
        a = union_all(*parts).subquery("a")
        kinds = (
            select(LedgerAccount.code, LedgerAccount.kind)
            .where(LedgerAccount.legal_entity == scope.legal_entity)
            .subquery("k")
        )

        def group(prefixes: Sequence[str]) -> ColumnElement[bool]:
            return or_(*(a.c.code.like(f"{p}%") for p in prefixes))

        def total(condition: ColumnElement[bool], value: Any) -> Any:
            return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

        query: Select[Any] = (
            select(
                (a.c.cp if by_customer else literal(None)).label("customer_org_id"),
                total(group(RECEIVABLE), a.c.pd).label("receivable_fen"),
                total(group(RECEIVABLE), a.c.pc).label("receivable_cleared_fen"),
                total(group(RECEIVABLE), a.c.td - a.c.tc).label("receivable_balance_fen"),
                total(group(PAYABLE), a.c.pc).label("payable_fen"),
                total(group(PAYABLE), a.c.pd).label("payable_cleared_fen"),
                total(group(PAYABLE), a.c.tc - a.c.td).label("payable_balance_fen"),
                total(group(CASH), a.c.pd).label("received_fen"),
                total(group(CASH), a.c.pc).label("paid_fen"),
                total(kinds.c.kind == "revenue", a.c.pc - a.c.pd).label("revenue_fen"),
                total(kinds.c.kind == "cost", a.c.pd - a.c.pc).label("cost_fen"),
            )
            .select_from(a)
            .outerjoin(kinds, kinds.c.code == a.c.code)
        )
        if by_customer:
            query = query.group_by(a.c.cp).order_by(a.c.cp)
        return (await self.session.execute(query)).all()

    def _lines_part(
        self,
        scope: Scope,
        date_from: date,
        date_to: date,
        *,
        after: date | None,
        by_customer: bool,
        period_only: bool = False,
    ) -> Select[Any]:
        """(cp, code, pd, pc, td, tc) from journal lines dated after `after` up to date_to."""
        period = L.entry_date >= date_from
        zero = literal(0, type_=BigInteger())
        query = select(
            (L.counterparty_org_id if by_customer else literal(None, type_=Uuid())).label("cp"),
            L.account_code.label("code"),
            _sum(period, L.debit_fen).label("pd"),
            _sum(period, L.credit_fen).label("pc"),
            (zero if period_only else func.sum(L.debit_fen)).label("td"),
            (zero if period_only else func.sum(L.credit_fen)).label("tc"),
        ).where(L.entry_date <= date_to)
        if after is not None:
            query = query.where(L.entry_date > after)
        if period_only:
            query = query.where(period)
        return scope.where(query).group_by(
            *([L.counterparty_org_id] if by_customer else []), L.account_code
        )

    def _cumulative_part(
        self, scope: Scope, month: date, *, by_customer: bool, period: int, to_date: bool
    ) -> Select[Any]:
        """(cp, code, pd, pc, td, tc) from one closed month's cumulative rows, counted `period`
        times (1, 0 or -1) in the period's movements and once to date when `to_date`."""
        zero = literal(0, type_=BigInteger())

        def times(n: int, column: Any) -> Any:
            return zero if n == 0 else (column if n == 1 else -column)

        query = select(
            (C.counterparty_org_id if by_customer else literal(None, type_=Uuid())).label("cp"),
            C.account_code.label("code"),
            func.sum(times(period, C.debit_fen)).label("pd"),
            func.sum(times(period, C.credit_fen)).label("pc"),
            func.sum(times(1 if to_date else 0, C.debit_fen)).label("td"),
            func.sum(times(1 if to_date else 0, C.credit_fen)).label("tc"),
        ).where(C.month == month)
        return scope.balances(query).group_by(
            *([C.counterparty_org_id] if by_customer else []), C.account_code
        )

    async def aging(self, scope: Scope, as_of: date, *, payable: bool) -> Sequence[Any]:
        """Per customer with receivables (payables) on the books: the open balance at as_of and
        what grew the account (debits; credits for payables) in the 0–30, 31–60 and 61–90 days
        before it — all FIFO aging needs, since the open part is the newest growth.

        The balance is the last closed month's cumulative rows plus the lines after it; growth
        comes from the lines of the last 90 days (index-only on account and date)."""
        d30, d60, d90 = (as_of - timedelta(days=n) for n in (30, 60, 90))
        end = _closed_through(await self.closed_end(scope.legal_entity), as_of)
        prefixes = PAYABLE if payable else RECEIVABLE
        grows = L.credit_fen if payable else L.debit_fen
        shrinks = L.debit_fen if payable else L.credit_fen
        zero = literal(0, type_=BigInteger())
        after_end = L.entry_date > end if end is not None else literal(True)
        lines = scope.where(
            select(
                L.counterparty_org_id.label("cp"),
                _sum(after_end, grows - shrinks).label("net"),
                _sum(L.entry_date >= d30, grows).label("g0"),
                _sum(and_(L.entry_date < d30, L.entry_date >= d60), grows).label("g1"),
                _sum(and_(L.entry_date < d60, L.entry_date >= d90), grows).label("g2"),
            ).where(_in(prefixes), L.entry_date <= as_of)
        )
        if end is not None:
            lines = lines.where(L.entry_date > min(end, d90 - timedelta(days=1)))
        parts = [lines.group_by(L.counterparty_org_id)]
        if end is not None:
            c_grows = C.credit_fen if payable else C.debit_fen
            c_shrinks = C.debit_fen if payable else C.credit_fen
            parts.append(
                scope.balances(
                    select(
                        C.counterparty_org_id.label("cp"),
                        func.sum(c_grows - c_shrinks).label("net"),
                        zero.label("g0"),
                        zero.label("g1"),
                        zero.label("g2"),
                    ).where(_in(prefixes, C.account_code), C.month == end.replace(day=1))
                ).group_by(C.counterparty_org_id)
            )
        u = union_all(*parts).subquery("u")
        query = (
            select(
                u.c.cp.label("customer_org_id"),
                func.sum(u.c.net).label("balance"),
                func.sum(u.c.g0).label("g0"),
                func.sum(u.c.g1).label("g1"),
                func.sum(u.c.g2).label("g2"),
            )
            .group_by(u.c.cp)
            .order_by(u.c.cp)
        )
        return (await self.session.execute(query)).all()

    async def daily(self, scope: Scope, day: date) -> Sequence[Any]:
        """Per account: balance before the day, the day's debits and credits (资金/账务日报)."""
        end = _closed_through(await self.closed_end(scope.legal_entity), day - timedelta(days=1))
        before = L.entry_date < day
        today = L.entry_date == day
        zero = literal(0, type_=BigInteger())
        lines = scope.where(
            select(
                L.account_code.label("account_code"),
                _sum(before, L.debit_fen - L.credit_fen).label("opening_fen"),
                _sum(today, L.debit_fen).label("debit_fen"),
                _sum(today, L.credit_fen).label("credit_fen"),
            ).where(L.entry_date <= day)
        )
        if end is not None:
            lines = lines.where(L.entry_date > end)
        parts = [lines.group_by(L.account_code)]
        if end is not None:
            parts.append(
                scope.balances(
                    select(
                        C.account_code.label("account_code"),
                        func.sum(C.debit_fen - C.credit_fen).label("opening_fen"),
                        zero.label("debit_fen"),
                        zero.label("credit_fen"),
                    ).where(C.month == end.replace(day=1))
                ).group_by(C.account_code)
            )
        u = union_all(*parts).subquery("u")
        query = (
            select(
                u.c.account_code,
                func.sum(u.c.opening_fen).label("opening_fen"),
                func.sum(u.c.debit_fen).label("debit_fen"),
                func.sum(u.c.credit_fen).label("credit_fen"),
            )
            .group_by(u.c.account_code)
            .order_by(u.c.account_code)
        )
        return (await self.session.execute(query)).all()

    async def account_names(self, legal_entity: str) -> dict[str, tuple[str, str]]:
        query = select(LedgerAccount.code, LedgerAccount.name, LedgerAccount.kind).where(
            LedgerAccount.legal_entity == legal_entity
        )
        return {c: (n, k) for c, n, k in (await self.session.execute(query)).all()}

    async def output_vat(self, scope: Scope, date_from: date, date_to: date) -> Sequence[Any]:
        """Issued invoices by kind and VAT rate: count, amount and tax (销项税额汇总). A red
        letter takes the rate of its order's line on the application."""
        in_period = and_(
            Invoice.legal_entity == scope.legal_entity,
            Invoice.issue_date >= date_from,
            Invoice.issue_date <= date_to,
        )
        rate = (
            select(func.min(InvoiceApplicationLine.tax_rate_bp))
            .where(
                InvoiceApplicationLine.application_id == Invoice.application_id,
                InvoiceApplicationLine.order_id == InvoiceShare.order_id,
            )
            .correlate(Invoice, InvoiceShare)
            .scalar_subquery()
        )
        blue = (
            select(
                literal(InvoiceKind.blue.value).label("kind"),
                InvoiceApplicationLine.tax_rate_bp.label("rate_bp"),
                func.count(func.distinct(Invoice.id)).label("invoices"),
                func.sum(InvoiceApplicationLine.amount_fen).label("amount_fen"),
                func.sum(InvoiceApplicationLine.tax_fen).label("tax_fen"),
            )
            .join(
                InvoiceApplicationLine,
                InvoiceApplicationLine.application_id == Invoice.application_id,
            )
            .where(in_period, Invoice.kind == InvoiceKind.blue.value)
            .group_by(InvoiceApplicationLine.tax_rate_bp)
        )
        red_rows = (
            select(
                Invoice.id.label("invoice_id"),
                rate.label("rate_bp"),
                InvoiceShare.amount_fen,
                InvoiceShare.tax_fen,
            )
            .join(InvoiceShare, InvoiceShare.invoice_id == Invoice.id)
            .where(in_period, Invoice.kind == InvoiceKind.red.value)
        )
        blue = scope.invoices(blue)
        red_rows = scope.invoices(red_rows)
        reds = red_rows.subquery("reds")
        red = select(
            literal(InvoiceKind.red.value).label("kind"),
            reds.c.rate_bp,
            func.count(func.distinct(reds.c.invoice_id)).label("invoices"),
            func.sum(reds.c.amount_fen).label("amount_fen"),
            func.sum(reds.c.tax_fen).label("tax_fen"),
        ).group_by(reds.c.rate_bp)
        rows = list((await self.session.execute(blue)).all())
        rows += list((await self.session.execute(red)).all())
        return sorted(rows, key=lambda r: (r.rate_bp, r.kind))

    async def ledger_output_vat(self, scope: Scope, date_from: date, date_to: date) -> int:
        query = scope.where(
            select(func.coalesce(func.sum(L.credit_fen - L.debit_fen), 0)).where(
                _in(OUTPUT_VAT), L.entry_date >= date_from, L.entry_date <= date_to
            )
        )
        return int((await self.session.execute(query)).scalar_one())

    async def ledger_totals(self, scope: Scope, date_from: date, date_to: date) -> Any:
        """Debits and credits of the period per account group (for reconciling the reports)."""
        query = scope.where(
            select(
                func.coalesce(func.sum(L.debit_fen), 0).label("debit_fen"),
                func.coalesce(func.sum(L.credit_fen), 0).label("credit_fen"),
            ).where(L.entry_date >= date_from, L.entry_date <= date_to)
        )
        return (await self.session.execute(query)).one()
